namespace WmQuant.Tuning;

/// <summary>
/// The two strategies' candidate ladders: candidates ordered from the cheapest, along which passing the gates is expected
/// to become more likely (more of the sensitive units at more precision), so the search looks for the first rung that passes.
/// </summary>
public static class CandidateLadders
{
    /// <summary>Units from the most sensitive at the cheapest level to the least (ties: model order).</summary>
    public static IReadOnlyList<int> BySensitivity(SensitivityTable sensitivities, int units)
    {
        ArgumentNullException.ThrowIfNull(sensitivities);
        return [.. Enumerable.Range(0, units).OrderByDescending(u => sensitivities[u, 0]).ThenBy(u => u)];
    }

    /// <summary>
    /// Intel Neural Compressor's fallback order: rung k has the k most sensitive units at the safest (dearest) level and
    /// every other unit at the cheapest; rung 0 is the uniform start, the last rung every unit at the safest level.
    /// </summary>
    public static IReadOnlyList<Candidate> Fallback(SearchSpace space, string method, SensitivityTable sensitivities)
    {
        ArgumentNullException.ThrowIfNull(space);
        var order = BySensitivity(sensitivities, space.Units.Count);
        int safest = space.Levels.Count - 1;
        var rungs = new List<Candidate>(order.Count + 1);
        var current = space.Uniform(method, 0);
        rungs.Add(current);
        foreach (int unit in order)
        {
            current = current.With(unit, safest);
            rungs.Add(current);
        }

        return rungs;
    }

    /// <summary>
    /// The knapsack frontier: for each storage cost (in <paramref name="buckets"/> steps between the cheapest and the dearest
    /// allocation) the allocation with the least summed sensitivity, found by dynamic programming over units (a multiple-choice
    /// knapsack); kept where the sensitivity strictly falls as the exact cost rises, and starting at the uniform cheapest level.
    /// </summary>
    public static IReadOnlyList<Candidate> Knapsack(SearchSpace space, string method, SensitivityTable sensitivities, int buckets = 1000)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(sensitivities);
        int units = space.Units.Count, levels = space.Levels.Count;
        long[] cheapest = [.. Enumerable.Range(0, units).Select(u => Enumerable.Range(0, levels).Min(l => space.UnitBits(u, l)))];
        long range = Enumerable.Range(0, units).Sum(u => Enumerable.Range(0, levels).Max(l => space.UnitBits(u, l)) - cheapest[u]);
        int resolution = (int)Math.Max(1, Math.Min(buckets, range));
        double step = range == 0 ? 1 : (double)range / resolution;

        // Rounding each unit's extra cost up can sum past the resolution; the table is as wide as the dearest allocation's
        // rounded cost, so every allocation (every unit at its dearest level included) has a bucket.
        int[][] extra = [.. Enumerable.Range(0, units).Select(u => Enumerable.Range(0, levels)
            .Select(l => (int)Math.Ceiling(((space.UnitBits(u, l) - cheapest[u]) / step) - 1e-9)).ToArray())];
        int width = Math.Max(1, extra.Sum(e => e.Max()));
        int Extra(int u, int l) => extra[u][l];

        // best[b]: least summed sensitivity of the units so far with bucketed extra cost exactly b; choice[u][b]: u's level there.
        var best = new double[width + 1];
        Array.Fill(best, double.PositiveInfinity);
        best[0] = 0;
        var choice = new int[units][];
        for (int u = 0; u < units; u++)
        {
            var next = new double[width + 1];
            Array.Fill(next, double.PositiveInfinity);
            choice[u] = new int[width + 1];
            for (int l = 0; l < levels; l++)
            {
                int e = Extra(u, l);
                double s = Cost(sensitivities[u, l]);
                for (int b = e; b <= width; b++)
                {
                    double value = best[b - e] + s;
                    if (value < next[b])
                    {
                        next[b] = value;
                        choice[u][b] = l;
                    }
                }
            }

            best = next;
        }

        var frontier = new List<Candidate> { space.Uniform(method, 0) };
        double lowest = double.PositiveInfinity;
        for (int b = 0; b <= width; b++)
        {
            if (best[b] < lowest)
            {
                lowest = best[b];
                frontier.Add(Backtrack(b));
            }
        }

        // Exact costs may reorder bucketed ones: keep the points whose sensitivity falls as the exact cost rises.
        var kept = new List<Candidate>();
        double keptSensitivity = double.PositiveInfinity;
        foreach (var candidate in frontier.Distinct().OrderBy(space.StorageBits).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            double total = Enumerable.Range(0, units).Sum(u => Cost(sensitivities[u, candidate.Levels[u]]));
            if (kept.Count == 0 || total < keptSensitivity)
            {
                kept.Add(candidate);
                keptSensitivity = total;
            }
        }

        return kept;

        static double Cost(double sensitivity) => double.IsNaN(sensitivity) ? 0 : Math.Max(0, sensitivity);

        Candidate Backtrack(int b)
        {
            var chosen = new int[units];
            for (int u = units - 1; u >= 0; u--)
            {
                chosen[u] = choice[u][b];
                b -= Extra(u, chosen[u]);
            }

            return new Candidate(method, chosen);
        }
    }
}
