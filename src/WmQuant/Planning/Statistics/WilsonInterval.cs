namespace WmQuant.Planning.Statistics;

/// <summary>
/// Wilson score interval for a success rate. Chosen over the normal approximation because
/// success rates near 0 or 1 over 50 episodes are common and the Wald interval collapses there.
/// </summary>
public static class WilsonInterval
{
    /// <summary>Two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Interval for <paramref name="successes"/> out of <paramref name="trials"/> at normal quantile <paramref name="z"/>.</summary>
    public static ProportionInterval Compute(int successes, int trials, double z = Z95)
    {
        if (trials <= 0 || successes < 0 || successes > trials || z <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(trials), $"Need 0 ≤ successes ≤ trials, trials > 0 and z > 0 (got {successes}/{trials}, z {z}).");
        }

        double n = trials;
        double p = successes / n;
        double z2 = z * z;
        double denominator = 1 + (z2 / n);
        double centre = (p + (z2 / (2 * n))) / denominator;
        double half = z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))) / denominator;
        return new ProportionInterval(Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
