namespace WmQuant.Gates.Statistics;

/// <summary>
/// Exact binomial tails and the one-sided Clopper–Pearson bound derived from them: the exact McNemar gate reports
/// its decision as a lower bound on the drop, and that bound comes from here.
/// </summary>
public static class BinomialTail
{
    /// <summary>P(X ≥ <paramref name="atLeast"/>) for X ~ Binomial(<paramref name="trials"/>, <paramref name="p"/>).</summary>
    public static double Upper(int trials, int atLeast, double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A probability must lie in [0, 1].");
        }

        if (atLeast <= 0)
        {
            return 1;
        }

        if (atLeast > trials || p == 0)
        {
            return 0;
        }

        if (p == 1)
        {
            return 1;
        }

        double logP = Math.Log(p), logQ = Math.Log(1 - p);
        double logChoose = LogChoose(trials, atLeast);
        double sum = 0;
        for (int i = atLeast; i <= trials; i++)
        {
            sum += Math.Exp(logChoose + (i * logP) + ((trials - i) * logQ));
            logChoose += Math.Log((double)(trials - i) / (i + 1));
        }

        return Math.Min(1, sum);
    }

    /// <summary>
    /// Bracket [Lower, Upper] (width ≤ 1e-13) of the one-sided Clopper–Pearson lower bound sup{θ : P(X ≥ k | θ) ≤ α}:
    /// P(X ≥ k | Lower) ≤ α &lt; P(X ≥ k | Upper). Zero when <paramref name="successes"/> is 0.
    /// </summary>
    public static (double Lower, double Upper) ClopperPearsonLowerBracket(int trials, int successes, double alpha)
    {
        if (successes < 0 || successes > trials)
        {
            throw new ArgumentOutOfRangeException(nameof(successes), successes, $"Need 0 ≤ successes ≤ trials ({trials}).");
        }

        if (successes == 0)
        {
            return (0, 0);
        }

        double lo = 0, hi = 1;
        while (hi - lo > 1e-13)
        {
            double mid = 0.5 * (lo + hi);
            if (Upper(trials, successes, mid) <= alpha)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo, hi);
    }

    private static double LogChoose(int n, int k)
    {
        double sum = 0;
        for (int i = 1; i <= k; i++)
        {
            sum += Math.Log((double)(n - k + i) / i);
        }

        return sum;
    }
}
