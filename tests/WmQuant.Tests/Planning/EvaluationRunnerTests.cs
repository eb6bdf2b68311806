using WmQuant.Planning;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Optimizers;
using WmQuant.Tests.Planning.Toys;

namespace WmQuant.Tests.Planning;

public class EvaluationRunnerTests
{
    private const int Frameskip = 2;

    private static EvaluationSettings Settings(PlannerKind kind = PlannerKind.MpcCem, EpisodeSeedSet seedSet = EpisodeSeedSet.Evaluation, long seed = 0) => new(
        new MpcSettings([0f, 0f], [0.5f, 0.5f], MaxIterations: 10),
        Planner: kind,
        Episodes: 5,
        SeedSet: seedSet,
        Seed: seed,
        Cem: new CemSettings(Horizon: 3, Samples: 60, TopK: 8, OptSteps: 6),
        Gradient: new GradientSettings(Horizon: 3, OptSteps: 10, LearningRate: 0.5));

    private static PointReachingModel Model() => new(Frameskip, 0f, 0.5f);

    [Test]
    public void Evaluation_summarises_outcomes_with_a_wilson_interval()
    {
        var progress = new List<EvaluationProgress>();
        var runner = new EvaluationRunner(Model(), Settings());

        var result = runner.Run(new PointReachingTask(5, Frameskip), new SynchronousProgress(progress.Add));

        Assert.That(result.Outcomes.Select(o => o.Seed), Is.EqualTo(new[] { 1, 100, 199, 298, 397 }));
        Assert.That(result.Successes, Is.EqualTo(result.Outcomes.Count(o => o.Success)));
        Assert.That(result.SuccessRate, Is.EqualTo(result.Successes / 5.0));
        Assert.That(result.SuccessInterval.Lower, Is.LessThanOrEqualTo(result.SuccessRate));
        Assert.That(result.SuccessInterval.Upper, Is.GreaterThanOrEqualTo(result.SuccessRate));
        Assert.That(result.MeanStateDistance, Is.EqualTo(result.Outcomes.Average(o => o.FinalStateDistance)).Within(1e-12));
        int iterations = result.Outcomes.Max(o => o.IterationsUsed);
        Assert.That(result.MeanPlanLossPerIteration, Has.Length.EqualTo(iterations));
        Assert.That(result.MeanLossPerOptStep, Has.Count.EqualTo(iterations));
        Assert.That(result.MeanLossPerOptStep[0], Has.Length.EqualTo(6));
        Assert.That(result.MeanLossPerOptStep[0][^1], Is.LessThan(result.MeanLossPerOptStep[0][0]));
        Assert.That(progress, Has.Count.EqualTo(iterations));
        Assert.That(progress[^1].SucceededEpisodes, Is.EqualTo(result.Successes));
    }

    [Test]
    public void The_same_settings_reproduce_the_same_run_and_another_seed_changes_it()
    {
        var first = new EvaluationRunner(Model(), Settings(seed: 4)).Run(new PointReachingTask(5, Frameskip));
        var again = new EvaluationRunner(Model(), Settings(seed: 4)).Run(new PointReachingTask(5, Frameskip));
        var other = new EvaluationRunner(Model(), Settings(seed: 5)).Run(new PointReachingTask(5, Frameskip));

        Assert.That(Fingerprint(again), Is.EqualTo(Fingerprint(first)));
        Assert.That(Fingerprint(other), Is.Not.EqualTo(Fingerprint(first)));
    }

    [Test]
    public void Open_loop_planners_plan_once()
    {
        foreach (var kind in new[] { PlannerKind.OpenLoopCem, PlannerKind.OpenLoopGradient })
        {
            var task = new PointReachingTask(5, Frameskip);
            var result = new EvaluationRunner(Model(), Settings(kind)).Run(task);

            Assert.That(result.Planner, Is.EqualTo(kind));
            Assert.That(result.Outcomes.Select(o => o.IterationsUsed), Is.All.EqualTo(1));
            Assert.That(task.StepsTaken, Is.All.EqualTo(3 * Frameskip));
        }
    }

    [Test]
    public void Calibration_runs_the_same_planner_on_disjoint_seeds_through_the_call_hook()
    {
        var calls = new List<ModelCall>();
        var model = new ObservedWorldModel(Model(), calls.Add);
        var settings = Settings(seedSet: EpisodeSeedSet.Calibration) with { Mpc = Settings().Mpc with { MaxIterations = 2 } };

        var result = new EvaluationRunner(model, settings).Run(new PointReachingTask(5, Frameskip));

        Assert.That(result.Outcomes.Select(o => o.Seed), Is.EqualTo(new[] { 2, 101, 200, 299, 398 }));
        Assert.That(calls.Select(c => c.Sequence), Is.EqualTo(Enumerable.Range(0, calls.Count).Select(i => (long)i)));
        Assert.That(calls.Count(c => c.Kind == ModelCallKind.PredictFinal && c.BatchSize == 5 * 60), Is.EqualTo(6), "first iteration: one call per CEM step for all episodes");
        Assert.That(model.Calls, Is.EqualTo(calls.Count));
    }

    private static string Fingerprint(EvaluationResult result) => string.Join(
        "|",
        result.Outcomes.Select(o => $"{o.Seed}:{o.Success}:{o.FinalStateDistance:R}:{o.IterationsUsed}:{string.Join(",", o.Trace.Iterations.Select(t => t.PlanLoss.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}"));

    private sealed class SynchronousProgress(Action<EvaluationProgress> report) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => report(value);
    }
}
