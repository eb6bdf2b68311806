namespace WmQuant.Gates.Statistics;

/// <summary>
/// Student-t bounds on the mean of per-episode values. Chosen over a bootstrap because it needs no random
/// resampling (identical numbers everywhere), is exact for normal data and, for the paired differences a
/// regression gate judges, stays at or below its nominal error rate when the two runs are exchangeable
/// (the differences are then symmetric), which is exactly the no-regression case a gate must not fail.
/// </summary>
public static class MeanBounds
{
    /// <summary>Sample mean and standard deviation (n − 1 denominator; 0 for one value).</summary>
    public static (double Mean, double StandardDeviation) Describe(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("Need at least one value.", nameof(values));
        }

        double mean = 0;
        for (int i = 0; i < values.Count; i++)
        {
            mean += (values[i] - mean) / (i + 1);
        }

        double squares = 0;
        foreach (double v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return (mean, values.Count > 1 ? Math.Sqrt(squares / (values.Count - 1)) : 0);
    }

    /// <summary>Two-sided t interval for the mean at <paramref name="confidence"/>; needs at least two values.</summary>
    public static (double Lower, double Upper) TwoSided(IReadOnlyList<double> values, double confidence)
    {
        var (mean, sd) = Describe(values);
        double half = HalfWidth(values.Count, sd, 1 - ((1 - confidence) / 2));
        return (mean - half, mean + half);
    }

    /// <summary>One-sided lower t bound for the mean at <paramref name="confidence"/>; needs at least two values.</summary>
    public static double Lower(IReadOnlyList<double> values, double confidence)
    {
        var (mean, sd) = Describe(values);
        return mean - HalfWidth(values.Count, sd, confidence);
    }

    private static double HalfWidth(int count, double sd, double quantile)
    {
        if (count < 2)
        {
            throw new ArgumentException("A t bound needs at least two values.", nameof(count));
        }

        return sd == 0 ? 0 : StudentTDistribution.Quantile(quantile, count - 1) * sd / Math.Sqrt(count);
    }
}
