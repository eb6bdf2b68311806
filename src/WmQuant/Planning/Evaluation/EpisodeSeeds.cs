namespace WmQuant.Planning.Evaluation;

/// <summary>Episode seeds of the study (DESIGN §6), so every tool picks the same episodes.</summary>
public static class EpisodeSeeds
{
    /// <summary>Seed of episode <paramref name="n"/> in <paramref name="set"/>.</summary>
    public static int Of(EpisodeSeedSet set, int n) => (99 * n) + Offset(set);

    /// <summary>The offset b of a set's seeds 99·n + b.</summary>
    public static int Offset(EpisodeSeedSet set) => set switch
    {
        EpisodeSeedSet.Evaluation => 1,
        EpisodeSeedSet.Calibration => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(set)),
    };

    /// <summary>Seeds of episodes first … first + count − 1.</summary>
    public static IReadOnlyList<int> Range(EpisodeSeedSet set, int count, int first = 0) => Range(Offset(set), count, first);

    /// <summary>Seeds 99·n + <paramref name="offset"/> of episodes first … first + count − 1 (a recipe may pick its own offset).</summary>
    public static IReadOnlyList<int> Range(int offset, int count, int first = 0) =>
        Enumerable.Range(first, count).Select(n => (99 * n) + offset).ToList();
}
