using WmQuant.Gates.Statistics;

namespace WmQuant.Reports.Model;

/// <summary>
/// The quantized model's success against the FP baseline, seed by seed: the difference with its interval, the
/// discordant counts and which seeds were lost or gained. Computed from the episode rows with the gates' paired
/// statistics (<see cref="PairedComparison"/>, <see cref="PairedDifferenceInterval"/>), so the numbers can never
/// disagree with the episode table beside them.
/// </summary>
/// <param name="Pairs">Seeds both runs played.</param>
/// <param name="BothSucceeded">Seeds both solved.</param>
/// <param name="NeitherSucceeded">Seeds neither solved.</param>
/// <param name="LostSeeds">Seeds the FP model solved and the quantized one did not, ascending.</param>
/// <param name="GainedSeeds">Seeds the quantized model solved and the FP one did not, ascending.</param>
/// <param name="Difference">Quantized − FP success rate over the paired seeds.</param>
/// <param name="Lower">Lower end of the two-sided interval of the difference.</param>
/// <param name="Upper">Upper end of the two-sided interval of the difference.</param>
/// <param name="Confidence">Two-sided confidence of the interval.</param>
/// <param name="McNemarP">Two-sided exact McNemar p-value of "no change" (1 when no seed changed).</param>
/// <param name="Unpaired">Seeds only one run played (left out of every number here).</param>
public sealed record PairedSuccess(
    int Pairs,
    int BothSucceeded,
    int NeitherSucceeded,
    IReadOnlyList<int> LostSeeds,
    IReadOnlyList<int> GainedSeeds,
    double Difference,
    double Lower,
    double Upper,
    double Confidence,
    double McNemarP,
    int Unpaired)
{
    /// <summary>Confidence of the interval the report shows.</summary>
    public const double ReportConfidence = 0.95;

    /// <summary>How the interval is computed, in words.</summary>
    public const string Method = "Tango score interval";

    /// <summary>Seeds lost.</summary>
    public int Lost => LostSeeds.Count;

    /// <summary>Seeds gained.</summary>
    public int Gained => GainedSeeds.Count;

    /// <summary>The paired comparison of <paramref name="episodes"/>, or null when no seed was played by both runs.</summary>
    public static PairedSuccess? Of(IReadOnlyList<EpisodeRow> episodes, double confidence = ReportConfidence)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        var paired = episodes.Where(e => e.Change != EpisodeChange.Unpaired).ToList();
        if (paired.Count == 0)
        {
            return null;
        }

        var counts = PairedComparison.Compare(
            [.. paired.Select(e => (e.Seed, e.Baseline!.Success))],
            [.. paired.Select(e => (e.Seed, e.Quantized!.Success))]);
        var (lower, upper) = PairedDifferenceInterval.Tango(counts.OnlyFirst, counts.OnlySecond, paired.Count, confidence);
        return new PairedSuccess(
            paired.Count,
            counts.BothSucceeded,
            counts.NeitherSucceeded,
            Seeds(paired, EpisodeChange.Lost),
            Seeds(paired, EpisodeChange.Gained),
            (double)(counts.OnlySecond - counts.OnlyFirst) / paired.Count,
            lower,
            upper,
            confidence,
            counts.McNemarExactP,
            episodes.Count - paired.Count);
    }

    private static int[] Seeds(IEnumerable<EpisodeRow> rows, EpisodeChange change) =>
        [.. rows.Where(e => e.Change == change).Select(e => e.Seed).Order()];
}
