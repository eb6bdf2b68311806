using WmQuant.Gates.Statistics;
using WmQuant.Planning.Statistics;

namespace WmQuant.Tests.Planning;

public class StatisticsTests
{
    // Worked out independently of the code at z = 1.96 (calculator, 7 digits):
    // centre = (p + z²/2n) / (1 + z²/n), half width = z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n).
    // 45/50 agrees with the tabulated Wilson interval (0.7864, 0.9565).
    [TestCase(45, 50, 0.7863951, 0.9565249)] // centre 0.8714600, half 0.0850649
    [TestCase(5, 10, 0.2365896, 0.7634104)]  // centre 0.5, half 1.96·sqrt(0.034604)/1.38416
    [TestCase(0, 10, 0.0, 0.2775402)]        // upper = (z²/n)/(1 + z²/n) = 0.38416/1.38416
    [TestCase(10, 10, 0.7224598, 1.0)]
    public void Wilson_interval_matches_hand_computed_values(int successes, int trials, double lower, double upper)
    {
        var interval = WilsonInterval.Compute(successes, trials, z: 1.96);

        Assert.That(interval.Lower, Is.EqualTo(lower).Within(1e-6));
        Assert.That(interval.Upper, Is.EqualTo(upper).Within(1e-6));
    }

    [Test]
    public void Default_wilson_quantile_is_the_two_sided_95_percent_one()
    {
        var exact = WilsonInterval.Compute(45, 50);
        var rounded = WilsonInterval.Compute(45, 50, z: 1.96);

        Assert.That(exact.Lower, Is.EqualTo(rounded.Lower).Within(1e-4));
        Assert.That(exact.Lower, Is.Not.EqualTo(rounded.Lower));
    }

    [Test]
    public void Wilson_interval_rejects_impossible_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Compute(6, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Compute(0, 0));
    }

    [TestCase(5, 0, 0.0625)]   // 2 · 0.5⁵
    [TestCase(3, 1, 0.625)]    // 2 · (1 + 4)/16
    [TestCase(2, 2, 1.0)]      // capped
    [TestCase(0, 0, 1.0)]
    [TestCase(10, 2, 0.0385742)] // 2 · (1 + 12 + 66)/4096
    public void Exact_mcnemar_matches_binomial_tails(int onlyFirst, int onlySecond, double p)
    {
        Assert.That(PairedComparison.ExactMcNemar(onlyFirst, onlySecond), Is.EqualTo(p).Within(1e-6));
    }

    [Test]
    public void Paired_comparison_counts_by_seed_regardless_of_order()
    {
        var first = new[] { (1, true), (100, true), (199, false), (298, false), (397, true) };
        var second = new[] { (397, false), (298, true), (199, false), (100, true), (1, false) };

        var comparison = PairedComparison.Compare(first, second);

        Assert.That(comparison, Is.EqualTo(new PairedComparison(1, 2, 1, 1, 1.0)));
        Assert.Throws<ArgumentException>(() => PairedComparison.Compare(first, second.Take(4).ToArray()));
    }
}

// NUnit's analyzer does not know that FsCheck generates the arguments of [Property] methods.
#pragma warning disable NUnit1027
public class WilsonIntervalProperties
{
    [FsCheck.NUnit.Property(MaxTest = 300)]
    public bool Interval_lies_in_the_unit_range_and_contains_the_observed_rate(FsCheck.PositiveInt trials, FsCheck.NonNegativeInt successes)
    {
        int n = Math.Min(trials.Get, 10_000);
        int k = successes.Get % (n + 1);
        var interval = WilsonInterval.Compute(k, n);
        double p = (double)k / n;
        return interval.Lower >= 0 && interval.Upper <= 1 && interval.Lower <= p + 1e-12 && p <= interval.Upper + 1e-12;
    }

    [FsCheck.NUnit.Property(MaxTest = 100)]
    public bool More_trials_at_the_same_rate_narrow_the_interval(FsCheck.PositiveInt trials, FsCheck.NonNegativeInt successes)
    {
        int n = Math.Min(trials.Get, 1_000);
        int k = successes.Get % (n + 1);
        var small = WilsonInterval.Compute(k, n);
        var large = WilsonInterval.Compute(4 * k, 4 * n);
        return large.Upper - large.Lower < small.Upper - small.Lower;
    }
}
#pragma warning restore NUnit1027
