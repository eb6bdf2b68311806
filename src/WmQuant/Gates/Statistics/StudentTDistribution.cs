namespace WmQuant.Gates.Statistics;

/// <summary>
/// Student's t distribution with an integer number of degrees of freedom: the small-sample bound on a mean of
/// per-episode values (state distance) that gates are decided or reported with.
/// </summary>
public static class StudentTDistribution
{
    /// <summary>P(T ≤ t) with <paramref name="degreesOfFreedom"/> degrees of freedom.</summary>
    public static double Cdf(double t, int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (double.IsNaN(t))
        {
            return double.NaN;
        }

        if (double.IsInfinity(t))
        {
            return t > 0 ? 1 : 0;
        }

        double nu = degreesOfFreedom;
        double a = nu / 2, b = 0.5;
        double logBeta = SpecialFunctions.LogGammaOfHalf(degreesOfFreedom) + SpecialFunctions.LogGammaOfHalf(1)
            - SpecialFunctions.LogGammaOfHalf(degreesOfFreedom + 1);
        double bothTails = SpecialFunctions.RegularizedBeta(nu / (nu + (t * t)), a, b, logBeta);
        return t > 0 ? 1 - (0.5 * bothTails) : 0.5 * bothTails;
    }

    /// <summary>The t with P(T ≤ t) = p, for p in (0, 1), by bisection (exact to double precision; cost is irrelevant per gate).</summary>
    public static double Quantile(double p, int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A t quantile needs 0 < p < 1.");
        }

        if (p == 0.5)
        {
            return 0;
        }

        double tail = Math.Min(p, 1 - p);
        double hi = 1;
        while (Cdf(-hi, degreesOfFreedom) > tail)
        {
            hi *= 2;
        }

        double lo = 0;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (Cdf(-mid, degreesOfFreedom) > tail)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        double x = 0.5 * (lo + hi);
        return p < 0.5 ? -x : x;
    }
}
