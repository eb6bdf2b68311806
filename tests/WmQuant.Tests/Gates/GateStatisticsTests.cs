using WmQuant.Gates.Statistics;
using WmQuant.Planning.Statistics;

namespace WmQuant.Tests.Gates;

public class GateStatisticsTests
{
    // Reference values: Python's statistics.NormalDist (Wichura's AS241) and standard t tables (R's qt, 10 digits).
    [TestCase(0.975, 1.9599639845400536)]
    [TestCase(0.95, 1.6448536269514715)]
    [TestCase(0.001, -3.090232306167813)]
    [TestCase(0.5, 0.0)]
    [TestCase(1e-10, -6.361340902404056)]
    public void Normal_quantile_matches_reference_values(double p, double expected)
    {
        Assert.That(NormalDistribution.Quantile(p), Is.EqualTo(expected).Within(1e-12));
    }

    [Test]
    public void Normal_cdf_matches_reference_values_and_inverts_the_quantile()
    {
        Assert.That(NormalDistribution.Cdf(1.96), Is.EqualTo(0.9750021048517796).Within(1e-14));
        Assert.That(NormalDistribution.Cdf(-5), Is.EqualTo(2.866515718791939e-07).Within(1e-20));
        Assert.That(NormalDistribution.Quantile(0.975), Is.EqualTo(WilsonInterval.Z95).Within(1e-14));
    }

    [TestCase(0.975, 1, 12.706204736174698)]
    [TestCase(0.975, 10, 2.2281388519649385)]
    [TestCase(0.95, 49, 1.6765508919142635)]
    [TestCase(0.05, 5, -2.0150483726691575)]
    [TestCase(0.995, 2, 9.924843200918275)]
    public void Student_t_quantile_matches_tables(double p, int df, double expected)
    {
        Assert.That(StudentTDistribution.Quantile(p, df), Is.EqualTo(expected).Within(1e-9 * Math.Abs(expected)));
    }

    [Test]
    public void Student_t_with_one_degree_of_freedom_is_cauchy()
    {
        foreach (double t in new[] { -3.0, -0.5, 0.2, 4.0 })
        {
            Assert.That(StudentTDistribution.Cdf(t, 1), Is.EqualTo(0.5 + (Math.Atan(t) / Math.PI)).Within(1e-13));
        }
    }

    [Test]
    public void Binomial_tail_matches_hand_sums()
    {
        Assert.That(BinomialTail.Upper(8, 7, 0.5), Is.EqualTo(9.0 / 256).Within(1e-15));
        Assert.That(BinomialTail.Upper(5, 0, 0.3), Is.EqualTo(1.0));
        Assert.That(BinomialTail.Upper(5, 6, 0.3), Is.EqualTo(0.0));
        Assert.That(BinomialTail.Upper(3, 2, 0.2), Is.EqualTo((3 * 0.04 * 0.8) + 0.008).Within(1e-15));
    }

    [Test]
    public void Clopper_pearson_lower_bound_solves_the_tail_equation()
    {
        // 7 of 8: 8θ⁷(1−θ) + θ⁸ = 0.05 at θ = 0.52932059... (bisection to 1e-15 in Python).
        var (lower, upper) = BinomialTail.ClopperPearsonLowerBracket(8, 7, 0.05);

        Assert.That(upper - lower, Is.LessThanOrEqualTo(1e-13));
        Assert.That(lower, Is.EqualTo(0.5293205913988683).Within(1e-12));
        Assert.That(BinomialTail.Upper(8, 7, lower), Is.LessThanOrEqualTo(0.05));
        Assert.That(BinomialTail.Upper(8, 7, upper), Is.GreaterThan(0.05));
        Assert.That(BinomialTail.ClopperPearsonLowerBracket(8, 0, 0.05), Is.EqualTo((0.0, 0.0)));
    }

    [TestCase(7, 1, 9.0 / 256)]   // P(X ≥ 7), X ~ Bin(8, ½)
    [TestCase(1, 5, 63.0 / 64)]   // P(X ≥ 1), X ~ Bin(6, ½)
    [TestCase(5, 0, 1.0 / 32)]
    [TestCase(0, 0, 1.0)]
    public void One_sided_mcnemar_is_the_upper_binomial_tail(int lost, int gained, double expected)
    {
        Assert.That(PairedComparison.OneSidedExactMcNemar(lost, gained), Is.EqualTo(expected).Within(1e-14));
    }

    [Test]
    public void Mean_bounds_use_student_t_with_n_minus_one_degrees_of_freedom()
    {
        double[] values = [1, 2, 3, 4, 5];  // mean 3, sd sqrt(2.5)
        double half = 2.7764451051977987 * Math.Sqrt(2.5) / Math.Sqrt(5); // t(0.975, 4)

        var (lower, upper) = MeanBounds.TwoSided(values, 0.95);

        Assert.That(lower, Is.EqualTo(3 - half).Within(1e-9));
        Assert.That(upper, Is.EqualTo(3 + half).Within(1e-9));
        Assert.That(MeanBounds.Lower(values, 0.95), Is.EqualTo(3 - (2.13184678632665 * Math.Sqrt(2.5) / Math.Sqrt(5))).Within(1e-9));
        Assert.That(MeanBounds.Lower([2.0, 2.0, 2.0], 0.95), Is.EqualTo(2.0));
    }
}
