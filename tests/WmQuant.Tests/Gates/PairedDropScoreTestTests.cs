using WmQuant.Gates.Statistics;

namespace WmQuant.Tests.Gates;

public class PairedDropScoreTestTests
{
    [Test]
    public void Score_matches_tangos_formula_worked_by_hand()
    {
        // b = 10 lost, c = 2 gained, n = 50, δ = 0.05: A = 100, B = −7.4, C = −0.095, q̂ = 0.0851561,
        // variance = 50·(2q̂ + 0.0475) = 10.89061, Z = 5.5 / 3.300093.
        Assert.That(PairedDropScoreTest.Score(10, 2, 50, 0.05), Is.EqualTo(1.6666207815755758).Within(1e-12));
        Assert.That(PairedDropScoreTest.Score(3, 0, 20, 0.1), Is.EqualTo(0.7453559924999299).Within(1e-12));
        Assert.That(PairedDropScoreTest.Score(0, 0, 20, 0.0), Is.EqualTo(0.0));
    }

    // Exact size: the probability of failing, summed over every (lost, gained) outcome of n pairs, at the worst
    // nuisance value on a dense grid, with the true drop exactly at the allowed δ and also inside the null.
    [TestCase(20, 0.05, 0.05)]
    [TestCase(50, 0.02, 0.05)]
    [TestCase(50, 0.05, 0.05)]
    [TestCase(50, 0.10, 0.05)]
    [TestCase(50, 0.20, 0.05)]
    [TestCase(50, 0.05, 0.10)]
    [TestCase(100, 0.05, 0.05)]
    [TestCase(100, 0.10, 0.01)]
    public void False_failure_rate_never_exceeds_alpha_when_the_true_drop_is_at_most_delta(int n, double delta, double alpha)
    {
        double critical = PairedDropScoreTest.CriticalScore(n, delta, alpha);
        var region = Outcomes(n).Where(o => PairedDropScoreTest.Score(o.Lost, o.Gained, n, delta) >= critical).ToList();

        foreach (double trueDrop in new[] { delta, delta / 2, 0.0 })
        {
            double worst = WorstCaseProbability(region, n, trueDrop, gridPoints: 1500);
            Assert.That(worst, Is.LessThanOrEqualTo(alpha + 1e-12), $"true drop {trueDrop}");
        }
    }

    [Test]
    public void Plain_tango_with_the_normal_critical_value_would_fail_too_often()
    {
        // Why the test is exact: at 50 pairs the asymptotic version fails more than 5% of the time at the boundary.
        const int n = 50;
        const double delta = 0.05;
        double z = NormalDistribution.Quantile(0.95);
        var asymptotic = Outcomes(n).Where(o => PairedDropScoreTest.Score(o.Lost, o.Gained, n, delta) >= z).ToList();

        Assert.That(WorstCaseProbability(asymptotic, n, delta, gridPoints: 400), Is.GreaterThan(0.055));
        Assert.That(PairedDropScoreTest.CriticalScore(n, delta, 0.05), Is.GreaterThan(z));
    }

    [Test]
    public void Rejection_region_is_monotone_more_losses_or_fewer_gains_never_pass_a_failing_outcome()
    {
        const int n = 50;
        foreach (double delta in new[] { 0.02, 0.05, 0.1 })
        {
            foreach (var (lost, gained) in Outcomes(n).Where(o => PairedDropScoreTest.Rejects(o.Lost, o.Gained, n, delta, 0.05)))
            {
                if (lost + gained < n)
                {
                    Assert.That(PairedDropScoreTest.Rejects(lost + 1, gained, n, delta, 0.05), Is.True, $"({lost + 1}, {gained}) δ {delta}");
                }

                if (gained > 0)
                {
                    Assert.That(PairedDropScoreTest.Rejects(lost, gained - 1, n, delta, 0.05), Is.True, $"({lost}, {gained - 1}) δ {delta}");
                }
            }
        }
    }

    [Test]
    public void Lower_bound_exceeds_delta_exactly_when_the_test_rejects()
    {
        const int n = 50;
        const double delta = 0.05;
        int rejected = 0;
        foreach (var (lost, gained) in Outcomes(n))
        {
            bool rejects = PairedDropScoreTest.Rejects(lost, gained, n, delta, 0.05);
            double bound = PairedDropScoreTest.LowerBound(lost, gained, n, delta, 0.05);
            Assert.That(bound > delta, Is.EqualTo(rejects), $"({lost}, {gained}) bound {bound}");
            Assert.That(bound, Is.LessThanOrEqualTo(((double)(lost - gained) / n) + 1e-9), "the bound never exceeds the observed drop");
            rejected += rejects ? 1 : 0;
        }

        Assert.That(rejected, Is.GreaterThan(100), "many outcomes must fail at 50 pairs");
    }

    [Test]
    public void Beyond_the_exact_limit_a_corrected_score_test_decides_and_the_bound_still_agrees()
    {
        const int n = PairedDropScoreTest.ExactPairLimit + 200;
        (int Lost, int Gained)[] outcomes = [(150, 50), (90, 30), (60, 0), (0, 0), (300, 10)];
        foreach (var (lost, gained) in outcomes)
        {
            bool rejects = PairedDropScoreTest.Rejects(lost, gained, n, 0.05, 0.05);
            double bound = PairedDropScoreTest.LowerBound(lost, gained, n, 0.05, 0.05);
            Assert.That(bound > 0.05, Is.EqualTo(rejects), $"({lost}, {gained})");
        }

        Assert.That(PairedDropScoreTest.Rejects(150, 50, n, 0.05, 0.05), Is.True, "a drop of 0.083 over 1200 pairs");
        Assert.That(PairedDropScoreTest.Rejects(90, 30, n, 0.05, 0.05), Is.False, "a drop of exactly 0.05");
    }

    private static IEnumerable<(int Lost, int Gained)> Outcomes(int n)
    {
        for (int b = 0; b <= n; b++)
        {
            for (int c = 0; c <= n - b; c++)
            {
                yield return (b, c);
            }
        }
    }

    private static double WorstCaseProbability(List<(int Lost, int Gained)> region, int n, double drop, int gridPoints)
    {
        var logFactorial = new double[n + 1];
        for (int i = 1; i <= n; i++)
        {
            logFactorial[i] = logFactorial[i - 1] + Math.Log(i);
        }

        double worst = 0;
        for (int j = 0; j <= gridPoints; j++)
        {
            double gained = (1 - drop) / 2 * j / gridPoints;
            double lost = gained + drop, tie = 1 - lost - gained;
            double total = 0;
            foreach (var (b, c) in region)
            {
                int d = n - b - c;
                double log = logFactorial[n] - logFactorial[b] - logFactorial[c] - logFactorial[d]
                    + Term(b, lost) + Term(c, gained) + Term(d, tie);
                total += Math.Exp(log);
            }

            worst = Math.Max(worst, total);
        }

        return worst;
    }

    private static double Term(int count, double p) => count == 0 ? 0 : p <= 0 ? double.NegativeInfinity : count * Math.Log(p);
}
