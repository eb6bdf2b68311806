using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Diagnostics;

/// <summary>One band of reference distance and the planning objective's two terms averaged over the pairs in it.</summary>
/// <param name="From">Lower edge of the band (inclusive).</param>
/// <param name="To">Upper edge (exclusive; the last band includes it).</param>
/// <param name="Pairs">Pairs in the band.</param>
/// <param name="VisualMse">Mean visual latent MSE of the pairs (the objective's visual term).</param>
/// <param name="ProprioMse">Mean proprio-embedding MSE of the pairs (the objective's proprio term at α = 1).</param>
public sealed record DistanceBand(double From, double To, int Pairs, double VisualMse, double ProprioMse);

/// <summary>
/// How the planning objective's terms grow with a reference distance between two observations. Planning
/// works only if latent distance to the goal falls smoothly as the true state approaches it (DESIGN §4); a
/// flat visual term leaves the planner with the proprio term alone.
/// </summary>
/// <param name="Reference">What the reference distance is (e.g. "state distance").</param>
/// <param name="VisualSpearman">Rank correlation of the visual term with the reference over all pairs.</param>
/// <param name="ProprioSpearman">Rank correlation of the proprio term with the reference.</param>
/// <param name="Bands">The terms per band of reference distance.</param>
public sealed record LatentDistanceProfile(string Reference, double VisualSpearman, double ProprioSpearman, IReadOnlyList<DistanceBand> Bands)
{
    /// <summary>
    /// Profiles the objective's terms between every pair of <paramref name="frames"/> against
    /// <paramref name="reference"/> distances (pairs with a non-finite reference are skipped).
    /// </summary>
    /// <param name="model">The world model.</param>
    /// <param name="frames">Observations [N, 3, S, S] in [0, 1].</param>
    /// <param name="proprio">Their normalised proprio [N, proprio_dim].</param>
    /// <param name="reference">Reference distances [N, N] (row-major).</param>
    /// <param name="referenceName">What the reference measures.</param>
    /// <param name="bands">Number of equal-width bands from 0 to the largest reference distance.</param>
    public static LatentDistanceProfile Compute(DinoWorldModel model, Tensor frames, Tensor proprio, double[] reference, string referenceName, int bands = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(proprio);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentOutOfRangeException.ThrowIfLessThan(bands, 1);
        var n = (int)frames.shape[0];
        if (reference.Length != n * n)
        {
            throw new ArgumentException($"reference holds {reference.Length} values; {n} frames need {n * n}", nameof(reference));
        }

        double[] visual, proprioTerm;
        using (no_grad())
        using (NewDisposeScope())
        {
            var encoded = model.EncodeObservations(frames.unsqueeze(1), proprio.unsqueeze(1));
            visual = PairwiseMse(encoded.Visual.reshape(n, -1));
            proprioTerm = PairwiseMse(encoded.Proprio.reshape(n, -1));
        }

        var pairs = new List<(double Reference, double Visual, double Proprio)>();
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var r = reference[(i * n) + j];
                if (double.IsFinite(r))
                {
                    pairs.Add((r, visual[(i * n) + j], proprioTerm[(i * n) + j]));
                }
            }
        }

        if (pairs.Count < 2)
        {
            throw new ArgumentException("fewer than two pairs with a finite reference distance", nameof(reference));
        }

        var max = pairs.Max(p => p.Reference);
        var width = max / bands;
        var table = new List<DistanceBand>();
        for (var k = 0; k < bands; k++)
        {
            var from = k * width;
            var to = (k + 1) * width;
            var inBand = pairs.Where(p => p.Reference >= from && (p.Reference < to || (k == bands - 1 && p.Reference <= to))).ToList();
            table.Add(new DistanceBand(from, to, inBand.Count, inBand.Count > 0 ? inBand.Average(p => p.Visual) : double.NaN, inBand.Count > 0 ? inBand.Average(p => p.Proprio) : double.NaN));
        }

        var references = pairs.Select(p => p.Reference).ToArray();
        return new LatentDistanceProfile(
            referenceName,
            Spearman(pairs.Select(p => p.Visual).ToArray(), references),
            Spearman(pairs.Select(p => p.Proprio).ToArray(), references),
            table);
    }

    /// <summary>Spearman rank correlation (average ranks for ties).</summary>
    public static double Spearman(double[] a, double[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Pearson(Ranks(a), Ranks(b));
    }

    private static double[] PairwiseMse(Tensor flat)
    {
        var n = flat.shape[0];
        var mse = (flat.unsqueeze(1) - flat.unsqueeze(0)).Pow(2).mean([2]);
        return [.. mse.reshape(n * n).to_type(ScalarType.Float64).cpu().data<double>()];
    }

    private static double[] Ranks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = (start + end) / 2.0;
            }

            start = end + 1;
        }

        return ranks;
    }

    private static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : double.NaN;
    }
}
