using System.Globalization;
using System.Text;
using WmQuant.Diagnostics;
using WmQuant.Gates;
using WmQuant.Recipes;

namespace WmQuant.Tests.Gates;

/// <summary>
/// Simulated paired evaluations, judged by the real <see cref="GateEvaluator"/>: gates must not fail on noise
/// (false failures ≤ α when nothing dropped) and must catch real drops (power table).
/// </summary>
public class GateSimulationTests
{
    private const int Episodes = 50;
    private const int Simulations = 1000;
    private const double Alpha = 0.05;

    // Monte Carlo allowance: α plus three binomial standard errors of a rate estimated from 1000 runs.
    private static readonly double Allowed = Alpha + (3 * Math.Sqrt(Alpha * (1 - Alpha) / Simulations));

    private static readonly SourcePosition Where = new("/repo/quantize.yaml", 20, 5);

    [TestCase(0.5, 0.0)]
    [TestCase(0.8, 0.0)]
    [TestCase(0.95, 0.0)]
    [TestCase(0.5, 0.5)]
    [TestCase(0.8, 0.5)]
    [TestCase(0.95, 0.5)]
    [TestCase(0.5, 0.8)]
    [TestCase(0.8, 0.8)]
    [TestCase(0.95, 0.8)]
    public void Success_rate_regression_gates_rarely_fail_when_nothing_dropped(double rate, double rho)
    {
        GateSpec[] gates = [Drop(GateMetric.SuccessRate, 0), Drop(GateMetric.SuccessRate, 0.05)];
        var simulator = new PairedOutcomeSimulator(SeedOf(rate, rho, 1));
        var failures = new int[gates.Length];
        for (int s = 0; s < Simulations; s++)
        {
            var (baseline, candidate) = simulator.Draw(Episodes, rate, rate, rho);
            var verdicts = GateEvaluator.Evaluate(gates, candidate, baseline);
            for (int g = 0; g < gates.Length; g++)
            {
                Assert.That(verdicts[g].Outcome, Is.Not.EqualTo(GateOutcome.Error), verdicts[g].Message);
                failures[g] += verdicts[g].Outcome == GateOutcome.Failed ? 1 : 0;
            }
        }

        TestContext.Out.WriteLine($"rate {rate}, rho {rho}: false failures δ=0 {failures[0]}/{Simulations}, δ=0.05 {failures[1]}/{Simulations} (allowed ≤ {Allowed:F4})");
        Assert.That((double)failures[0] / Simulations, Is.LessThanOrEqualTo(Allowed), "δ = 0");
        Assert.That((double)failures[1] / Simulations, Is.LessThanOrEqualTo(Allowed), "δ = 0.05");
    }

    [TestCase(0.8, 0.0)]
    [TestCase(0.8, 0.8)]
    public void State_distance_regression_gate_rarely_fails_when_nothing_changed(double rate, double rho)
    {
        var gate = Drop(GateMetric.StateDistance, 0);
        var simulator = new PairedOutcomeSimulator(SeedOf(rate, rho, 2));
        int failures = 0;
        for (int s = 0; s < Simulations; s++)
        {
            var (baseline, candidate) = simulator.Draw(Episodes, rate, rate, rho);
            var verdict = GateEvaluator.Evaluate(gate, candidate, baseline);
            Assert.That(verdict.Outcome, Is.Not.EqualTo(GateOutcome.Error), verdict.Message);
            failures += verdict.Outcome == GateOutcome.Failed ? 1 : 0;
        }

        TestContext.Out.WriteLine($"state_distance, rate {rate}, rho {rho}: false failures {failures}/{Simulations}");
        Assert.That((double)failures / Simulations, Is.LessThanOrEqualTo(Allowed));
    }

    [Test]
    public void Power_grows_with_the_drop_and_a_20_point_drop_is_caught()
    {
        double[] drops = [0.05, 0.10, 0.15, 0.20];
        double[] deltas = [0, 0.05];
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"Rejection rate of max_drop_vs_baseline (confidence 0.95), {Episodes} paired episodes, {Simulations} simulations per cell:");
        table.AppendLine();
        table.AppendLine("| baseline | pairing | δ | drop 5 pts | drop 10 pts | drop 15 pts | drop 20 pts |");
        table.AppendLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (double baseRate in new[] { 0.9, 0.6 })
        {
            foreach (double rho in new[] { 0.0, 0.5, 0.8 })
            {
                var power = new double[deltas.Length, drops.Length];
                for (int d = 0; d < drops.Length; d++)
                {
                    // Same seed for every drop: common random numbers, so only the drop differs between columns.
                    var simulator = new PairedOutcomeSimulator(SeedOf(baseRate, rho, 3));
                    GateSpec[] gates = [.. deltas.Select(delta => Drop(GateMetric.SuccessRate, delta))];
                    for (int s = 0; s < Simulations; s++)
                    {
                        var (baseline, candidate) = simulator.Draw(Episodes, baseRate, baseRate - drops[d], rho);
                        var verdicts = GateEvaluator.Evaluate(gates, candidate, baseline);
                        for (int g = 0; g < gates.Length; g++)
                        {
                            power[g, d] += verdicts[g].Outcome == GateOutcome.Failed ? 1.0 / Simulations : 0;
                        }
                    }
                }

                for (int g = 0; g < deltas.Length; g++)
                {
                    string pairing = rho == 0 ? "independent" : $"ρ = {rho.ToString(CultureInfo.InvariantCulture)}";
                    table.Append(CultureInfo.InvariantCulture, $"| {baseRate:F1} | {pairing} | {deltas[g]:F2} |");
                    for (int d = 0; d < drops.Length; d++)
                    {
                        table.Append(CultureInfo.InvariantCulture, $" {power[g, d]:F3} |");
                    }

                    table.AppendLine();
                    for (int d = 1; d < drops.Length; d++)
                    {
                        Assert.That(power[g, d], Is.GreaterThan(power[g, d - 1]), $"base {baseRate}, rho {rho}, δ {deltas[g]}: power must grow from drop {drops[d - 1]} to {drops[d]}");
                    }

                    Assert.That(power[g, drops.Length - 1] - power[g, 0], Is.GreaterThan(0.2), $"base {baseRate}, rho {rho}, δ {deltas[g]}");
                }

                if (rho == 0.8)
                {
                    Assert.That(power[0, drops.Length - 1], Is.GreaterThan(0.75), $"a 20-point drop from {baseRate} with δ = 0 at ρ = 0.8 must be caught in most runs");
                }
            }
        }

        TestContext.Out.WriteLine(table.ToString());
    }

    private static GateSpec Drop(GateMetric metric, double delta) => new(metric, null, null, delta, 0.95, null, Where);

    private static ulong SeedOf(double rate, double rho, int purpose) =>
        (ulong)((rate * 1000) + (rho * 100_000) + (purpose * 10_000_000));
}
