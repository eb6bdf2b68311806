namespace WmQuant.Gates.Statistics;

/// <summary>
/// Episode-by-episode comparison of two runs on the same seeds (e.g. FP vs quantized model). Paired
/// counts are far more sensitive than comparing two success rates, because easy and hard seeds
/// cancel out.
/// </summary>
/// <param name="BothSucceeded">Seeds both runs solved.</param>
/// <param name="OnlyFirst">Seeds only the first run solved.</param>
/// <param name="OnlySecond">Seeds only the second run solved.</param>
/// <param name="NeitherSucceeded">Seeds neither run solved.</param>
/// <param name="McNemarExactP">Two-sided exact McNemar p-value (binomial test on the discordant pairs).</param>
public sealed record PairedComparison(int BothSucceeded, int OnlyFirst, int OnlySecond, int NeitherSucceeded, double McNemarExactP)
{
    /// <summary>Pairs outcomes by seed; both lists must cover the same seeds.</summary>
    public static PairedComparison Compare(IReadOnlyList<(int Seed, bool Success)> first, IReadOnlyList<(int Seed, bool Success)> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var other = second.ToDictionary(o => o.Seed, o => o.Success);
        if (other.Count != first.Count || first.Any(o => !other.ContainsKey(o.Seed)))
        {
            throw new ArgumentException("Both runs must cover the same seeds.", nameof(second));
        }

        int both = 0, onlyFirst = 0, onlySecond = 0, neither = 0;
        foreach (var (seed, success) in first)
        {
            bool s2 = other[seed];
            if (success && s2) both++;
            else if (success) onlyFirst++;
            else if (s2) onlySecond++;
            else neither++;
        }

        return new PairedComparison(both, onlyFirst, onlySecond, neither, ExactMcNemar(onlyFirst, onlySecond));
    }

    /// <summary>Pairs two runs' episode outcomes by seed (e.g. FP model first, quantized second).</summary>
    public static PairedComparison Compare(IReadOnlyList<Planning.Mpc.EpisodeOutcome> first, IReadOnlyList<Planning.Mpc.EpisodeOutcome> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return Compare(first.Select(o => (o.Seed, o.Success)).ToList(), second.Select(o => (o.Seed, o.Success)).ToList());
    }

    /// <summary>Two-sided exact McNemar p-value: P(X ≤ min(b, c)) · 2 for X ~ Binomial(b + c, 1/2), capped at 1.</summary>
    public static double ExactMcNemar(int onlyFirst, int onlySecond)
    {
        int n = onlyFirst + onlySecond;
        if (n == 0)
        {
            return 1.0;
        }

        int k = Math.Min(onlyFirst, onlySecond);
        double tail = 0;
        double logHalfPowN = n * Math.Log(0.5);
        for (int i = 0; i <= k; i++)
        {
            tail += Math.Exp(LogChoose(n, i) + logHalfPowN);
        }

        return Math.Min(1.0, 2 * tail);
    }

    /// <summary>
    /// One-sided exact McNemar p-value that the first run is better: P(X ≥ onlyFirst) for X ~ Binomial(onlyFirst + onlySecond, 1/2).
    /// Regression gates use it with the baseline first, so a small value means the candidate lost significantly more seeds than it gained.
    /// </summary>
    public static double OneSidedExactMcNemar(int onlyFirst, int onlySecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(onlyFirst);
        ArgumentOutOfRangeException.ThrowIfNegative(onlySecond);
        int n = onlyFirst + onlySecond;
        double tail = 0;
        double logHalfPowN = n * Math.Log(0.5);
        for (int i = onlyFirst; i <= n; i++)
        {
            tail += Math.Exp(LogChoose(n, i) + logHalfPowN);
        }

        return n == 0 ? 1.0 : Math.Min(1.0, tail);
    }

    private static double LogChoose(int n, int k)
    {
        double sum = 0;
        for (int i = 1; i <= k; i++)
        {
            sum += Math.Log(n - k + i) - Math.Log(i);
        }

        return sum;
    }
}
