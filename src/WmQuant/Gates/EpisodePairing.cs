using System.Globalization;

namespace WmQuant.Gates;

/// <summary>
/// Checks a run's episodes and pairs a candidate with its baseline by seed. Problems come back as messages
/// (they become "could not be judged" verdicts), never as exceptions: a baseline from an older artifact with
/// other seeds is a user's situation, not a bug.
/// </summary>
internal static class EpisodePairing
{
    private const int ExamplesShown = 3;

    /// <summary>Null when the run's episodes are usable, else why not.</summary>
    public static string? Problem(EvaluatedRun run, string role, bool needsDistances)
    {
        if (run.Episodes.Count == 0)
        {
            return $"the {role} run has no episodes";
        }

        var seen = new HashSet<int>();
        foreach (var episode in run.Episodes)
        {
            if (!seen.Add(episode.Seed))
            {
                return $"the {role} run lists seed {episode.Seed.ToString(CultureInfo.InvariantCulture)} more than once; episodes must have distinct seeds";
            }

            if (needsDistances && !double.IsFinite(episode.StateDistance))
            {
                return $"the {role} run's state_distance of seed {episode.Seed.ToString(CultureInfo.InvariantCulture)} is {episode.StateDistance.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        return null;
    }

    /// <summary>Pairs sorted by seed, or why the seeds do not pair (both runs already checked with <see cref="Problem"/>).</summary>
    public static (IReadOnlyList<(GateEpisode Baseline, GateEpisode Candidate)> Pairs, string? Problem) Pair(EvaluatedRun candidate, EvaluatedRun baseline)
    {
        var baselineBySeed = baseline.Episodes.ToDictionary(e => e.Seed);
        var candidateSeeds = candidate.Episodes.Select(e => e.Seed).ToHashSet();
        var onlyCandidate = candidate.Episodes.Select(e => e.Seed).Where(s => !baselineBySeed.ContainsKey(s)).Order().ToList();
        var onlyBaseline = baseline.Episodes.Select(e => e.Seed).Where(s => !candidateSeeds.Contains(s)).Order().ToList();
        if (onlyCandidate.Count > 0 || onlyBaseline.Count > 0)
        {
            var parts = new List<string>();
            if (onlyCandidate.Count > 0)
            {
                parts.Add($"{Seeds(onlyCandidate)} only in the candidate");
            }

            if (onlyBaseline.Count > 0)
            {
                parts.Add($"{Seeds(onlyBaseline)} only in the baseline");
            }

            return ([], $"candidate and baseline episodes do not pair by seed: {string.Join(", ", parts)}; evaluate both on the same seeds");
        }

        var pairs = candidate.Episodes.OrderBy(e => e.Seed).Select(e => (baselineBySeed[e.Seed], e)).ToList();
        return (pairs, null);
    }

    private static string Seeds(List<int> seeds)
    {
        string shown = string.Join(", ", seeds.Take(ExamplesShown).Select(s => s.ToString(CultureInfo.InvariantCulture)));
        string more = seeds.Count > ExamplesShown ? ", ..." : string.Empty;
        string noun = seeds.Count == 1 ? "seed" : "seeds";
        return $"{seeds.Count.ToString(CultureInfo.InvariantCulture)} {noun} ({shown}{more})";
    }
}
