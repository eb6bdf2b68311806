namespace WmQuant.Gates.Statistics;

/// <summary>
/// The two incomplete functions the normal and Student-t distributions need, computed by their series and
/// continued fractions (Lentz) so no table of fitted coefficients has to be trusted; accurate to ~1e-14.
/// </summary>
internal static class SpecialFunctions
{
    private const double Epsilon = 1e-16;
    private const double Tiny = 1e-300;
    private const int MaxIterations = 10_000;

    /// <summary>Complementary error function erfc(y) = Q(1/2, y²) for y ≥ 0, and 2 − erfc(−y) below.</summary>
    public static double Erfc(double y)
    {
        if (double.IsNaN(y))
        {
            return double.NaN;
        }

        if (y < 0)
        {
            return 2 - Erfc(-y);
        }

        double x = y * y;
        double logGammaHalf = 0.5 * Math.Log(Math.PI);
        return x < 1.5 ? 1 - LowerGammaSeries(0.5, x, logGammaHalf) : UpperGammaFraction(0.5, x, logGammaHalf);
    }

    /// <summary>Regularized incomplete beta I_x(a, b), for a, b &gt; 0 and x in [0, 1].</summary>
    public static double RegularizedBeta(double x, double a, double b, double logBeta)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        double front = Math.Exp((a * Math.Log(x)) + (b * Math.Log(1 - x)) - logBeta);
        return x < (a + 1) / (a + b + 2)
            ? front * BetaFraction(x, a, b) / a
            : 1 - (front * BetaFraction(1 - x, b, a) / b);
    }

    /// <summary>ln Γ(k/2) for a positive integer k, exact up to rounding: Γ(1) = 1, Γ(1/2) = √π, Γ(z + 1) = z·Γ(z).</summary>
    public static double LogGammaOfHalf(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        double sum = k % 2 == 0 ? 0 : 0.5 * Math.Log(Math.PI);
        for (int twiceZ = (k % 2 == 0 ? 2 : 1); twiceZ < k; twiceZ += 2)
        {
            sum += Math.Log(twiceZ / 2.0);
        }

        return sum;
    }

    private static double LowerGammaSeries(double a, double x, double logGammaA)
    {
        if (x <= 0)
        {
            return 0;
        }

        double term = 1 / a;
        double sum = term;
        for (int n = 1; n < MaxIterations; n++)
        {
            term *= x / (a + n);
            sum += term;
            if (Math.Abs(term) < Math.Abs(sum) * Epsilon)
            {
                break;
            }
        }

        return sum * Math.Exp(-x + (a * Math.Log(x)) - logGammaA);
    }

    private static double UpperGammaFraction(double a, double x, double logGammaA)
    {
        double b = x + 1 - a;
        double c = 1 / Tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < MaxIterations; i++)
        {
            double an = -i * (i - a);
            b += 2;
            double delta = LentzStep(an, b, ref c, ref d);
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return Math.Exp(-x + (a * Math.Log(x)) - logGammaA) * h;
    }

    private static double BetaFraction(double x, double a, double b)
    {
        double qab = a + b;
        double qap = a + 1;
        double qam = a - 1;
        double c = 1;
        double d = 1 - (qab * x / qap);
        d = Math.Abs(d) < Tiny ? Tiny : d;
        d = 1 / d;
        double h = d;
        for (int m = 1; m < MaxIterations; m++)
        {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            h *= LentzStep(aa, 1, ref c, ref d);
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            double delta = LentzStep(aa, 1, ref c, ref d);
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return h;
    }

    // One step of the modified Lentz method for a continued fraction with partial numerator `numerator` and
    // partial denominator `denominator`: updates c and d (kept away from zero) and returns the factor for h.
    private static double LentzStep(double numerator, double denominator, ref double c, ref double d)
    {
        d = denominator + (numerator * d);
        d = Math.Abs(d) < Tiny ? Tiny : d;
        c = denominator + (numerator / c);
        c = Math.Abs(c) < Tiny ? Tiny : c;
        d = 1 / d;
        return d * c;
    }
}
