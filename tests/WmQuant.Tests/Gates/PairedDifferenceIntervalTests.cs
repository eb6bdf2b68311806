using WmQuant.Gates.Statistics;

namespace WmQuant.Tests.Gates;

public class PairedDifferenceIntervalTests
{
    [Test]
    public void Matches_the_published_tango_interval_of_a_paired_table()
    {
        // Cavo et al. (2012), complete response before and after consolidation: n = [[59, 6], [16, 80]]. The R package
        // contingencytables (Fagerland, Lydersen, Laake) prints "estimate = -0.0621 (95% CI -0.1240 to -0.0054)" for
        // (n12 − n21) / N, i.e. 6 seeds only the second run solved and 16 only the first, out of 161.
        var (lower, upper) = PairedDifferenceInterval.Tango(lost: 16, gained: 6, pairs: 161, confidence: 0.95);

        Assert.Multiple(() =>
        {
            Assert.That(lower, Is.EqualTo(-0.1240).Within(0.00005));
            Assert.That(upper, Is.EqualTo(-0.0054).Within(0.00005));
        });
    }

    [Test]
    public void The_ends_are_where_the_score_statistic_crosses_the_normal_quantile()
    {
        var (lower, upper) = PairedDifferenceInterval.Tango(lost: 7, gained: 2, pairs: 50, confidence: 0.9);
        double z = NormalDistribution.Quantile(0.95);

        // The difference is −drop, so its upper end is where the drop's score is +z and its lower end where it is −z.
        Assert.Multiple(() =>
        {
            Assert.That(PairedDropScoreTest.Score(7, 2, 50, -upper), Is.EqualTo(z).Within(1e-9));
            Assert.That(PairedDropScoreTest.Score(7, 2, 50, -lower), Is.EqualTo(-z).Within(1e-9));
            Assert.That(lower, Is.LessThan(-0.1).And.GreaterThan(-1));
            Assert.That(upper, Is.GreaterThan(-0.1).And.LessThan(1));
        });
    }

    [Test]
    public void No_change_on_any_seed_still_gives_an_interval_with_width_and_symmetric_counts_a_symmetric_one()
    {
        var (lower, upper) = PairedDifferenceInterval.Tango(0, 0, 50, 0.95);
        var (l2, u2) = PairedDifferenceInterval.Tango(3, 3, 40, 0.95);
        double z2 = Math.Pow(NormalDistribution.Quantile(0.975), 2);

        Assert.Multiple(() =>
        {
            // With b = c = 0 the score equation solves in closed form: δ = z² / (n + z²).
            Assert.That(upper, Is.EqualTo(z2 / (50 + z2)).Within(1e-9));
            Assert.That(lower, Is.EqualTo(-upper).Within(1e-9));
            Assert.That(l2, Is.EqualTo(-u2).Within(1e-9));
            Assert.That(u2, Is.GreaterThan(0.05));
        });
    }

    [Test]
    public void Every_seed_lost_or_gained_has_the_closed_form_end_worked_by_hand()
    {
        // b = n, c = 0: the quadratic's discriminant is n²(δ + 1)², the restricted gained probability (1 − δ) / 2, and the
        // score for the drop δ is −√n·√((1 + δ) / (1 − δ)). Setting it to −z gives δ = (z² − n) / (z² + n); for n = 10
        // at 95% that is −0.44493 (so the difference reaches −1 and stops at −0.44493).
        var (lostLower, lostUpper) = PairedDifferenceInterval.Tango(10, 0, 10, 0.95);
        var (gainedLower, gainedUpper) = PairedDifferenceInterval.Tango(0, 10, 10, 0.95);
        double z2 = Math.Pow(NormalDistribution.Quantile(0.975), 2);

        Assert.Multiple(() =>
        {
            Assert.That(lostLower, Is.EqualTo(-1));
            Assert.That(lostUpper, Is.EqualTo((z2 - 10) / (z2 + 10)).Within(1e-9));
            Assert.That(lostUpper, Is.EqualTo(-0.44493).Within(5e-6));
            Assert.That(gainedUpper, Is.EqualTo(1));
            Assert.That(gainedLower, Is.EqualTo((10 - z2) / (z2 + 10)).Within(1e-9));
        });
    }

    [Test]
    public void A_higher_confidence_widens_the_interval_and_bad_counts_are_refused()
    {
        var (l90, u90) = PairedDifferenceInterval.Tango(5, 1, 30, 0.90);
        var (l99, u99) = PairedDifferenceInterval.Tango(5, 1, 30, 0.99);

        Assert.Multiple(() =>
        {
            Assert.That(l99, Is.LessThan(l90));
            Assert.That(u99, Is.GreaterThan(u90));
            Assert.That(() => PairedDifferenceInterval.Tango(6, 5, 10, 0.95), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => PairedDifferenceInterval.Tango(0, 0, 0, 0.95), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => PairedDifferenceInterval.Tango(1, 0, 10, 1.0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }
}
