using WmQuant.Diagnostics;
using WmQuant.Gates;
using WmQuant.Gates.Statistics;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;

namespace WmQuant.Tests.Gates;

public class GateEvaluatorTests
{
    private const string Repo = "/repo";
    private static readonly SourcePosition Line22 = new("/repo/quantize.yaml", 22, 5);
    private static readonly SourcePosition Line23 = new("/repo/quantize.yaml", 23, 5);

    [Test]
    public void Min_success_rate_below_threshold_fails_with_the_wilson_interval_in_the_message()
    {
        var verdict = GateEvaluator.Evaluate(Min(GateMetric.SuccessRate, 0.85), Run(successes: 40), null);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(verdict.Message, Is.EqualTo("success_rate 0.80 < min 0.85 (95% Wilson [0.67, 0.89])"));
        Assert.That(verdict.ToDiagnostic()!.ToCanonicalString(Repo), Is.EqualTo(
            "quantize.yaml(22,5): error WMQ4001: gate success_rate min failed: success_rate 0.80 < min 0.85 (95% Wilson [0.67, 0.89])"));
        Assert.That(verdict.Value, Is.EqualTo(0.8));
        Assert.That(verdict.Bound, Is.EqualTo(0.8), "absolute gates decide on the point estimate");
        Assert.That(verdict.Threshold, Is.EqualTo(0.85));
        Assert.That(verdict.Test, Is.EqualTo(GateTest.WilsonInterval));
        Assert.That(verdict.Interval!.Value.Lower, Is.EqualTo(0.66958).Within(1e-4));
        Assert.That(verdict.Interval!.Value.Upper, Is.EqualTo(0.88757).Within(1e-4));
        Assert.That(verdict.Position, Is.EqualTo(Line22));
    }

    [Test]
    public void Min_success_rate_at_or_above_threshold_passes_and_has_no_diagnostic()
    {
        var verdict = GateEvaluator.Evaluate(Min(GateMetric.SuccessRate, 0.85), Run(successes: 45), null);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Passed));
        Assert.That(verdict.Message, Is.EqualTo("success_rate 0.90 >= min 0.85 (95% Wilson [0.79, 0.96])"));
        Assert.That(verdict.ToDiagnostic(), Is.Null);
        Assert.That(verdict.Code, Is.Null);
    }

    [Test]
    public void Success_rate_exactly_at_the_minimum_passes()
    {
        var verdict = GateEvaluator.Evaluate(Min(GateMetric.SuccessRate, 0.85), Run(successes: 17, episodes: 20), null);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Passed));
    }

    [Test]
    public void The_interval_follows_the_gates_confidence()
    {
        var gate = Min(GateMetric.SuccessRate, 0.85) with { Confidence = 0.90 };

        var verdict = GateEvaluator.Evaluate(gate, Run(successes: 45), null);

        Assert.That(verdict.Message, Is.EqualTo("success_rate 0.90 >= min 0.85 (90% Wilson [0.81, 0.95])"));
        Assert.That(verdict.Interval!.Value.Lower, Is.EqualTo(0.8084624858484292).Within(1e-12));
    }

    [Test]
    public void Max_success_rate_fails_above_the_threshold()
    {
        var verdict = GateEvaluator.Evaluate(Max(GateMetric.SuccessRate, 0.8), Run(successes: 45), null);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(verdict.Message, Does.StartWith("success_rate 0.90 > max 0.80 ("));
    }

    [Test]
    public void Rounding_never_makes_a_failing_value_look_equal_to_its_threshold()
    {
        var verdict = GateEvaluator.Evaluate(Min(GateMetric.SuccessRate, 0.85), Run(successes: 849, episodes: 1000), null);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(verdict.Message, Is.EqualTo("success_rate 0.849 < min 0.850 (95% Wilson [0.825, 0.870])"));
    }

    [Test]
    public void Regression_with_no_allowed_drop_uses_the_exact_mcnemar_test()
    {
        var baseline = Run(successes: 45);
        var candidate = Swap(baseline, lose: 7, gain: 1);

        var verdict = GateEvaluator.Evaluate(Drop(GateMetric.SuccessRate, 0), candidate, baseline);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(verdict.Message, Is.EqualTo(
            "success_rate dropped 0.12 vs baseline (paired, 50 seeds: 7 lost, 1 gained); 95% lower bound of the drop 0.01 > allowed 0.00 (exact one-sided McNemar p 0.035)"));
        Assert.That(verdict.ToDiagnostic()!.ToCanonicalString(Repo), Does.StartWith("quantize.yaml(23,5): error WMQ4001: gate success_rate max_drop_vs_baseline failed: success_rate dropped 0.12"));
        Assert.That(verdict.Pairs, Is.EqualTo(new PairedCounts(50, 7, 1)));
        Assert.That(verdict.PValue, Is.EqualTo(9.0 / 256).Within(1e-14));
        Assert.That(verdict.Value, Is.EqualTo(0.12).Within(1e-12));
        // (8/50)·(2θ − 1), θ the 95% Clopper–Pearson lower bound of 7/8 (0.5293206).
        Assert.That(verdict.Bound, Is.EqualTo(0.009382589247637867).Within(1e-9));
        Assert.That(verdict.Test, Is.EqualTo(GateTest.ExactMcNemar));
    }

    [Test]
    public void Regression_with_no_allowed_drop_passes_when_the_losses_could_be_noise()
    {
        var baseline = Run(successes: 45);
        var candidate = Swap(baseline, lose: 3, gain: 1);

        var verdict = GateEvaluator.Evaluate(Drop(GateMetric.SuccessRate, 0), candidate, baseline);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Passed));
        Assert.That(verdict.Message, Is.EqualTo(
            "success_rate dropped 0.04 vs baseline (paired, 50 seeds: 3 lost, 1 gained); 95% lower bound of the drop -0.04 <= allowed 0.00 (exact one-sided McNemar p 0.31)"));
        Assert.That(verdict.Bound, Is.EqualTo(-0.040223259883170964).Within(1e-9));
    }

    [Test]
    public void Regression_with_an_allowed_drop_uses_the_exact_unconditional_score_test()
    {
        var baseline = Run(successes: 48);
        var big = GateEvaluator.Evaluate(Drop(GateMetric.SuccessRate, 0.05), Swap(baseline, lose: 12, gain: 0), baseline);
        var small = GateEvaluator.Evaluate(Drop(GateMetric.SuccessRate, 0.05), Swap(baseline, lose: 4, gain: 1), baseline);

        Assert.That(big.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(big.Bound, Is.GreaterThan(0.05).And.LessThan(0.24));
        Assert.That(big.Message, Does.Match(@"^success_rate dropped 0\.24 vs baseline \(paired, 50 seeds: 12 lost, 0 gained\); 95% lower bound of the drop 0\.\d\d > allowed 0\.05 \(exact unconditional score test\)$"));
        Assert.That(big.Test, Is.EqualTo(GateTest.ExactUnconditionalScore));
        Assert.That(small.Outcome, Is.EqualTo(GateOutcome.Passed));
        Assert.That(small.Bound, Is.LessThanOrEqualTo(0.05));
        Assert.That(small.Message, Does.Contain("<= allowed 0.05"));
        Assert.That(PairedDropScoreTest.Rejects(12, 0, 50, 0.05, 1 - 0.95), Is.True);
    }

    [Test]
    public void An_improvement_reads_as_a_rise()
    {
        var baseline = Run(successes: 40);
        var verdict = GateEvaluator.Evaluate(Drop(GateMetric.SuccessRate, 0), Swap(baseline, lose: 0, gain: 3), baseline);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Passed));
        Assert.That(verdict.Message, Does.StartWith("success_rate rose 0.06 vs baseline (paired, 50 seeds: 0 lost, 3 gained); 95% lower bound of the drop -0."));
    }

    [Test]
    public void A_regression_gate_without_a_baseline_is_an_error_not_an_exception()
    {
        var verdict = GateEvaluator.Evaluate(Drop(GateMetric.SuccessRate, 0), Run(successes: 45), null);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(verdict.Code, Is.EqualTo("WMQ4002"));
        Assert.That(verdict.Value, Is.Null);
        Assert.That(verdict.ToDiagnostic()!.ToCanonicalString(Repo), Is.EqualTo(
            "quantize.yaml(23,5): error WMQ4002: gate success_rate max_drop_vs_baseline could not be judged: "
            + "no baseline run to compare with; a regression gate needs the FP model's evaluation (or a previous artifact's episodes) on the same seeds"));

        var fromManifest = Drop(GateMetric.SuccessRate, 0) with { BaselineManifest = "/repo/releases/1.0.0/manifest.json" };
        Assert.That(GateEvaluator.Evaluate(fromManifest, Run(successes: 45), null).Message,
            Does.StartWith("no baseline episodes were loaded from '/repo/releases/1.0.0/manifest.json'"));
    }

    [Test]
    public void Seeds_that_do_not_pair_are_an_error_naming_them()
    {
        var baseline = Run(successes: 45);
        var episodes = baseline.Episodes.ToArray();
        episodes[3] = episodes[3] with { Seed = 123456 };
        var candidate = new EvaluatedRun(episodes);

        var verdict = GateEvaluator.Evaluate(Drop(GateMetric.SuccessRate, 0), candidate, baseline);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(verdict.Message, Is.EqualTo(
            "candidate and baseline episodes do not pair by seed: 1 seed (123456) only in the candidate, 1 seed (298) only in the baseline; evaluate both on the same seeds"));
    }

    [Test]
    public void Repeated_seeds_and_empty_runs_are_errors()
    {
        var episodes = Run(successes: 45).Episodes.ToArray();
        episodes[1] = episodes[1] with { Seed = episodes[0].Seed };

        var repeated = GateEvaluator.Evaluate(Min(GateMetric.SuccessRate, 0.5), new EvaluatedRun(episodes), null);
        var empty = GateEvaluator.Evaluate(Min(GateMetric.SuccessRate, 0.5), new EvaluatedRun([]), null);

        Assert.That(repeated.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(repeated.Message, Is.EqualTo("the candidate run lists seed 1 more than once; episodes must have distinct seeds"));
        Assert.That(empty.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(empty.Message, Is.EqualTo("the candidate run has no episodes"));
    }

    [Test]
    public void Max_gate_on_state_distance_judges_the_mean_and_reports_a_t_interval()
    {
        var run = Distances(1, 2, 3, 4, 5);   // mean 3, sd √2.5, t(0.975, 4) = 2.776445: half width 1.963243

        var passed = GateEvaluator.Evaluate(Max(GateMetric.StateDistance, 3.5), run, null);
        var failed = GateEvaluator.Evaluate(Max(GateMetric.StateDistance, 2.5), run, null);

        Assert.That(passed.Outcome, Is.EqualTo(GateOutcome.Passed));
        Assert.That(passed.Message, Is.EqualTo("state_distance 3.00 <= max 3.50 (95% Student-t [1.04, 4.96])"));
        Assert.That(failed.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(failed.Message, Is.EqualTo("state_distance 3.00 > max 2.50 (95% Student-t [1.04, 4.96])"));
        Assert.That(failed.Interval!.Value.Lower, Is.EqualTo(3 - 1.9632432).Within(1e-6));
        Assert.That(failed.Test, Is.EqualTo(GateTest.StudentTInterval));
    }

    [Test]
    public void Small_state_distances_keep_three_significant_digits()
    {
        var verdict = GateEvaluator.Evaluate(Max(GateMetric.StateDistance, 0.01), Distances(0.012, 0.012), null);

        Assert.That(verdict.Message, Is.EqualTo("state_distance 0.0120 > max 0.0100 (95% Student-t [0.0120, 0.0120])"));
    }

    [Test]
    public void A_state_distance_that_is_not_a_number_is_an_error()
    {
        var verdict = GateEvaluator.Evaluate(Max(GateMetric.StateDistance, 1), Distances(0.5, double.NaN), null);

        Assert.That(verdict.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(verdict.Message, Is.EqualTo("the candidate run's state_distance of seed 100 is NaN"));
    }

    [Test]
    public void State_distance_regression_fails_on_a_consistent_rise_and_passes_on_noise()
    {
        var baseline = Distances(Enumerable.Range(0, 30).Select(i => 0.1 + (0.03 * (i % 7))).ToArray());
        var worse = new EvaluatedRun([.. baseline.Episodes.Select((e, i) => e with { StateDistance = e.StateDistance + 0.2 + (0.01 * (i % 3)) })]);
        var noisy = new EvaluatedRun([.. baseline.Episodes.Select((e, i) => e with { StateDistance = e.StateDistance + (i % 2 == 0 ? 0.05 : -0.05) })]);

        var failed = GateEvaluator.Evaluate(Drop(GateMetric.StateDistance, 0.1), worse, baseline);
        var passed = GateEvaluator.Evaluate(Drop(GateMetric.StateDistance, 0), noisy, baseline);

        Assert.That(failed.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(failed.Test, Is.EqualTo(GateTest.PairedT));
        Assert.That(failed.Message, Is.EqualTo("state_distance rose 0.210 vs baseline (paired, 30 seeds; higher is worse); 95% lower bound of the rise 0.207 > allowed 0.100 (paired t)"));
        Assert.That(passed.Outcome, Is.EqualTo(GateOutcome.Passed));
        Assert.That(passed.Bound, Is.LessThan(0));
    }

    [Test]
    public void Run_level_scalars_are_compared_as_single_values()
    {
        var candidate = Run(successes: 45) with { PlanningLoss = 0.012, LatentDrift = 0.13 };
        var baseline = Run(successes: 45) with { LatentDrift = 0.10 };

        var loss = GateEvaluator.Evaluate(Max(GateMetric.PlanningLoss, 0.01), candidate, null);
        var drift = GateEvaluator.Evaluate(Drop(GateMetric.LatentDrift, 0.02), candidate, baseline);
        var gap = GateEvaluator.Evaluate(Max(GateMetric.LatentGap, 1), candidate, null);
        var lossDrop = GateEvaluator.Evaluate(Drop(GateMetric.PlanningLoss, 0), candidate, baseline);

        Assert.That(loss.Message, Is.EqualTo("planning_loss 0.0120 > max 0.0100 (single value, no interval)"));
        Assert.That(loss.Outcome, Is.EqualTo(GateOutcome.Failed));
        Assert.That(drift.Message, Is.EqualTo("latent_drift rose 0.0300 vs baseline (0.1000 -> 0.1300); rise 0.0300 > allowed 0.0200 (single values: no confidence bound)"));
        Assert.That(drift.Test, Is.EqualTo(GateTest.SingleValueDifference));
        Assert.That(gap.Outcome, Is.EqualTo(GateOutcome.Error));
        Assert.That(gap.Message, Is.EqualTo("latent_gap was not measured in the candidate run"));
        Assert.That(lossDrop.Message, Is.EqualTo("planning_loss was not measured in the baseline run"));
    }

    [Test]
    public void Every_gate_gets_a_verdict_in_recipe_order_and_only_regressions_ask_for_a_baseline()
    {
        var baseline = Run(successes: 45);
        var candidate = Swap(baseline, lose: 1, gain: 0);
        GateSpec[] gates = [Min(GateMetric.SuccessRate, 0.85), Drop(GateMetric.SuccessRate, 0), Max(GateMetric.StateDistance, 1)];
        var asked = new List<GateSpec>();

        var verdicts = GateEvaluator.Evaluate(gates, candidate, g =>
        {
            asked.Add(g);
            return baseline;
        });

        Assert.That(verdicts.Select(v => (v.Metric, v.Kind)), Is.EqualTo(new[]
        {
            (GateMetric.SuccessRate, GateKind.Min), (GateMetric.SuccessRate, GateKind.MaxDropVsBaseline), (GateMetric.StateDistance, GateKind.Max),
        }));
        Assert.That(asked, Is.EqualTo(new[] { gates[1] }));
        Assert.That(verdicts.Select(v => v.Outcome), Is.All.EqualTo(GateOutcome.Passed));
    }

    [Test]
    public void Gates_a_validated_recipe_cannot_contain_are_bugs()
    {
        var none = new GateSpec(GateMetric.SuccessRate, null, null, null, 0.95, null, Line22);
        var two = new GateSpec(GateMetric.SuccessRate, 0.5, 0.9, null, 0.95, null, Line22);
        var badConfidence = Min(GateMetric.SuccessRate, 0.5) with { Confidence = 1 };

        Assert.Throws<ArgumentException>(() => GateEvaluator.Evaluate(none, Run(successes: 1), null));
        Assert.Throws<ArgumentException>(() => GateEvaluator.Evaluate(two, Run(successes: 1), null));
        Assert.Throws<ArgumentException>(() => GateEvaluator.Evaluate(badConfidence, Run(successes: 1), null));
    }

    [Test]
    public void A_stored_evaluation_becomes_a_run_with_its_episodes_and_scalars()
    {
        var record = new EvaluationRecord("wall", "sha", "fp32", new PlannerRecord(WmQuant.Planning.PlannerKind.MpcCem, 5, 10, 3, 2, 1.0, 5, 1.0),
            2, 1, 0, "cpu", 1, 0.5, [0.1, 0.9], 0.3, 3.5, [0.5, 0.25], [], [0.1, 0.3], 1.0,
            [new EpisodeRecord(1, true, 0.1, 2), new EpisodeRecord(100, false, 0.5, 5)]);

        var run = EvaluatedRun.From(record);

        Assert.That(run.Episodes, Is.EqualTo(new[] { new GateEpisode(1, true, 0.1), new GateEpisode(100, false, 0.5) }));
        Assert.That(run.PlanningLoss, Is.EqualTo(0.25), "the executed plan's objective at the last MPC iteration");
        Assert.That(run.LatentGap, Is.EqualTo(0.2).Within(1e-15), "mean gap over MPC iterations");
        Assert.That(run.LatentDrift, Is.Null);
    }

    private static GateSpec Min(GateMetric metric, double value) => new(metric, value, null, null, 0.95, null, Line22);

    private static GateSpec Max(GateMetric metric, double value) => new(metric, null, value, null, 0.95, null, Line22);

    private static GateSpec Drop(GateMetric metric, double value) => new(metric, null, null, value, 0.95, null, Line23);

    /// <summary>Episodes with seeds 99·i + 1; the first <paramref name="successes"/> succeed.</summary>
    private static EvaluatedRun Run(int successes, int episodes = 50) =>
        new([.. Enumerable.Range(0, episodes).Select(i => new GateEpisode((99 * i) + 1, i < successes, i < successes ? 0.1 : 2.0))]);

    private static EvaluatedRun Distances(params double[] distances) =>
        new([.. distances.Select((d, i) => new GateEpisode((99 * i) + 1, true, d))]);

    /// <summary>The baseline with its first <paramref name="lose"/> successes failed and its first <paramref name="gain"/> failures solved.</summary>
    private static EvaluatedRun Swap(EvaluatedRun baseline, int lose, int gain)
    {
        var episodes = baseline.Episodes.ToArray();
        int lost = 0, gained = 0;
        for (int i = 0; i < episodes.Length; i++)
        {
            if (episodes[i].Success && lost < lose)
            {
                episodes[i] = episodes[i] with { Success = false };
                lost++;
            }
            else if (!episodes[i].Success && gained < gain)
            {
                episodes[i] = episodes[i] with { Success = true };
                gained++;
            }
        }

        return new EvaluatedRun(episodes);
    }
}
