namespace WmQuant.Gates.Statistics;

/// <summary>
/// Two-sided confidence interval of a paired difference of success rates, (gained − lost) / pairs, for reading
/// beside the gates: Tango's asymptotic score interval, the score statistic of <see cref="PairedDropScoreTest"/>
/// inverted at ±z. It is the interval Fagerland, Lydersen and Laake (2014) recommend for paired proportions: it stays
/// inside [−1, 1], has width when no seed changed, and its coverage is close to nominal from about 20 pairs.
/// Gates do not decide on it (they use exact tests); it says how large the change could plausibly be.
/// </summary>
public static class PairedDifferenceInterval
{
    private const int Iterations = 200;

    /// <summary>
    /// The interval of (second − first) success rate from paired counts: <paramref name="lost"/> seeds only the first
    /// run solved, <paramref name="gained"/> seeds only the second run solved, out of <paramref name="pairs"/>.
    /// </summary>
    public static (double Lower, double Upper) Tango(int lost, int gained, int pairs, double confidence)
    {
        if (pairs < 1 || lost < 0 || gained < 0 || lost + gained > pairs)
        {
            throw new ArgumentOutOfRangeException(nameof(pairs), $"Need lost, gained ≥ 0, lost + gained ≤ pairs, pairs ≥ 1 (got {lost}, {gained}, {pairs}).");
        }

        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Need 0 < confidence < 1.");
        }

        double z = NormalDistribution.Quantile(1 - ((1 - confidence) / 2));

        // The score is written for the drop (lost − gained) / pairs and decreases as the hypothesised drop grows.
        double Score(double drop) => PairedDropScoreTest.Score(lost, gained, pairs, drop);
        double dropLower = gained == pairs ? -1 : Root(Score, z);
        double dropUpper = lost == pairs ? 1 : Root(Score, -z);
        return (-dropUpper, -dropLower);
    }

    /// <summary>The drop in (−1, 1) where the decreasing <paramref name="score"/> crosses <paramref name="target"/>, by bisection.</summary>
    private static double Root(Func<double, double> score, double target)
    {
        double lo = Math.BitIncrement(-1.0), hi = Math.BitDecrement(1.0);
        if (score(lo) <= target)
        {
            return -1;
        }

        if (score(hi) >= target)
        {
            return 1;
        }

        for (int i = 0; i < Iterations && Math.BitIncrement(lo) < hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (score(mid) > target)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }
}
