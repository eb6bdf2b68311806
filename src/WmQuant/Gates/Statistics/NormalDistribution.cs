namespace WmQuant.Gates.Statistics;

/// <summary>
/// The standard normal distribution: gates turn a confidence level into a quantile for the Wilson interval and
/// the score test, so any confidence a recipe names (not only 95%) is honoured exactly.
/// </summary>
public static class NormalDistribution
{
    private static readonly double InverseSqrt2Pi = 1 / Math.Sqrt(2 * Math.PI);

    /// <summary>P(Z ≤ x), computed through erfc so both tails keep their relative precision.</summary>
    public static double Cdf(double x) => 0.5 * SpecialFunctions.Erfc(-x / Math.Sqrt(2));

    /// <summary>Density at x.</summary>
    public static double Density(double x) => InverseSqrt2Pi * Math.Exp(-0.5 * x * x);

    /// <summary>The x with P(Z ≤ x) = p, for p in (0, 1): safeguarded Newton steps on the smaller tail.</summary>
    public static double Quantile(double p)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A normal quantile needs 0 < p < 1.");
        }

        if (p == 0.5)
        {
            return 0;
        }

        double tail = Math.Min(p, 1 - p);
        double x = -Math.Sqrt(-2 * Math.Log(tail));
        double lo = -40, hi = 0;
        for (int i = 0; i < 200; i++)
        {
            double f = Cdf(x) - tail;
            if (f > 0)
            {
                hi = x;
            }
            else
            {
                lo = x;
            }

            double next = x - (f / Density(x));
            if (!(next > lo && next < hi))
            {
                next = 0.5 * (lo + hi);
            }

            if (Math.Abs(next - x) <= 1e-15 * Math.Max(1, Math.Abs(x)))
            {
                x = next;
                break;
            }

            x = next;
        }

        return p < 0.5 ? x : -x;
    }
}
