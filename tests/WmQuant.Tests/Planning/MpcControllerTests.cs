using WmQuant.Planning;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Tests.Planning.Toys;

namespace WmQuant.Tests.Planning;

public class MpcControllerTests
{
    private const int Frameskip = 2;
    private const float ActionStd = 0.5f;
    private static readonly CemSettings Cem = new(Horizon: 3, Samples: 100, TopK: 10, OptSteps: 8);
    private static readonly MpcSettings Mpc = new([0f, 0f], [ActionStd, ActionStd], MaxIterations: 10);

    private static (MpcController Controller, List<ModelCall> Calls) Controller(IActionPlanner? planner = null, MpcSettings? settings = null)
    {
        var calls = new List<ModelCall>();
        var model = new ObservedWorldModel(new PointReachingModel(Frameskip, 0f, ActionStd), calls.Add);
        var objective = new LastFrameObjective(new ObjectiveSettings(1.0));
        planner ??= new CemPlanner(model, objective, Cem);
        return (new MpcController(model, planner, objective, settings ?? Mpc), calls);
    }

    [Test]
    public void Mpc_with_the_true_dynamics_reaches_every_goal_and_drops_finished_episodes()
    {
        var task = new PointReachingTask(6, Frameskip);
        var (controller, calls) = Controller();
        var seeds = EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 6);

        var outcomes = controller.Run(task, seeds, runSeed: 0);

        Assert.That(outcomes.Select(o => o.Success), Is.All.True, string.Join("; ", outcomes.Select(o => $"{o.Seed}: {o.FinalStateDistance:F2} after {o.IterationsUsed}")));
        Assert.That(outcomes.Select(o => o.FinalStateDistance), Is.All.LessThan(PointReachingTask.SuccessRadius));
        Assert.That(outcomes.Select(o => o.IterationsUsed).Distinct().Count(), Is.GreaterThan(1), "episodes should need different numbers of iterations");
        Assert.That(outcomes.Max(o => o.IterationsUsed), Is.GreaterThan(1), "at most 6 px per iteration: far goals need several");

        for (int e = 0; e < 6; e++)
        {
            // Finished episodes are never stepped again.
            Assert.That(task.StepsTaken[e], Is.EqualTo(outcomes[e].IterationsUsed * Cem.Horizon * Frameskip));
            Assert.That(outcomes[e].Trace.Iterations, Has.Count.EqualTo(outcomes[e].IterationsUsed));
        }

        // Planning batches shrink as episodes finish: one CEM call per step on active × samples.
        var planningBatches = calls.Where(c => c.Kind == ModelCallKind.PredictFinal && c.BatchSize % Cem.Samples == 0 && c.BatchSize > 6).Select(c => c.BatchSize / Cem.Samples).ToList();
        Assert.That(planningBatches, Is.Ordered.Descending);
        Assert.That(planningBatches[0], Is.EqualTo(6));
        int iterations = outcomes.Max(o => o.IterationsUsed);
        Assert.That(planningBatches.Last(), Is.EqualTo(outcomes.Count(o => o.IterationsUsed == iterations)));

        // Encodes: goals once, start once, then one per iteration.
        Assert.That(calls.Count(c => c.Kind == ModelCallKind.Encode), Is.EqualTo(2 + iterations));
    }

    [Test]
    public void Imagined_and_real_latents_agree_when_the_model_is_the_true_dynamics()
    {
        var task = new PointReachingTask(3, Frameskip);
        var (controller, _) = Controller();

        var outcomes = controller.Run(task, EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 3), runSeed: 1);

        var traces = outcomes.SelectMany(o => o.Trace.Iterations).ToList();
        Assert.That(traces.Select(t => t.ImaginedRealGap), Is.All.LessThan(1e-6f));
        Assert.That(traces.Select(t => t.LossPerOptStep.Length), Is.All.EqualTo(Cem.OptSteps));
        // The plan's predicted loss matches the state distance actually reached (visual + proprio MSE of 2-D positions = distance²).
        foreach (var outcome in outcomes.Where(o => o.IterationsUsed == 1))
        {
            var last = outcome.Trace.Iterations[^1];
            Assert.That(last.PlanLoss, Is.EqualTo(outcome.FinalStateDistance * outcome.FinalStateDistance).Within(1e-3));
        }
    }

    [Test]
    public void A_model_that_is_wrong_about_the_dynamics_shows_an_imagined_real_gap()
    {
        var task = new PointReachingTask(3, Frameskip);
        var calls = new List<ModelCall>();
        // The model believes actions are twice as strong as they are.
        var model = new PointReachingModel(Frameskip, 0f, ActionStd * 2);
        var objective = new LastFrameObjective(new ObjectiveSettings(1.0));
        var controller = new MpcController(model, new CemPlanner(model, objective, Cem), objective, Mpc with { MaxIterations = 1 });

        var outcomes = controller.Run(task, EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 3), runSeed: 2);

        Assert.That(outcomes.Select(o => o.Trace.Iterations[0].ImaginedRealGap).Max(), Is.GreaterThan(0.1f));
    }

    [Test]
    public void The_iteration_cap_stops_unfinished_episodes()
    {
        var task = new PointReachingTask(4, Frameskip);
        var (controller, _) = Controller(settings: Mpc with { MaxIterations = 1, ActionsPerIteration = 1 });

        var outcomes = controller.Run(task, EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 4), runSeed: 0);

        Assert.That(outcomes.Select(o => o.IterationsUsed), Is.All.EqualTo(1));
        Assert.That(task.StepsTaken, Is.All.EqualTo(Frameskip), "only the first planned model action runs");
        Assert.That(outcomes.Count(o => !o.Success), Is.GreaterThan(0), "one model action (2 px) cannot reach most goals");
    }

    [Test]
    public void Mpc_with_the_gradient_planner_also_reaches_goals()
    {
        var model = new PointReachingModel(Frameskip, 0f, ActionStd);
        var objective = new LastFrameObjective(new ObjectiveSettings(1.0));
        var planner = new GradientPlanner(model, objective, new GradientSettings(Horizon: 3, OptSteps: 20, LearningRate: 0.5));
        var controller = new MpcController(model, planner, objective, Mpc with { MaxIterations = 15 });
        var task = new PointReachingTask(4, Frameskip);

        var outcomes = controller.Run(task, EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 4), runSeed: 0);

        Assert.That(outcomes.Count(o => o.Success), Is.GreaterThanOrEqualTo(3), string.Join("; ", outcomes.Select(o => $"{o.FinalStateDistance:F2}")));
    }

    [Test]
    public void Denormalisation_unstacks_frameskip_actions_frame_major()
    {
        var denormalizer = new ActionDenormalizer([1f, -1f], [2f, 0.5f], frameskip: 2);
        var env = new float[2];

        denormalizer.Denormalize([1f, 2f, 3f, 4f], 1, env);

        Assert.That(env, Is.EqualTo(new[] { (3f * 2f) + 1f, (4f * 0.5f) - 1f }));
        Assert.That(denormalizer.ModelActionDim, Is.EqualTo(4));
    }
}

public class MpcBatchIndependenceTests
{
    [Test]
    public void A_whole_mpc_run_gives_each_episode_the_outcome_it_gets_alone()
    {
        var model = new PointReachingModel(2, 0f, 0.5f);
        var objective = new LastFrameObjective(new ObjectiveSettings(1.0));
        var planner = new CemPlanner(model, objective, new CemSettings(Horizon: 3, Samples: 50, TopK: 6, OptSteps: 5));
        var controller = new MpcController(model, planner, objective, new MpcSettings([0f, 0f], [0.5f, 0.5f], MaxIterations: 6));
        var seeds = EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 4);

        var together = controller.Run(new PointReachingTask(4, 2), seeds, runSeed: 9);

        Assert.That(together.Select(o => o.IterationsUsed).Distinct().Count(), Is.GreaterThan(1), "the batch should shrink during the run");
        for (int e = 0; e < 4; e++)
        {
            var alone = controller.Run(new PointReachingTask(1, 2), [seeds[e]], runSeed: 9)[0];
            Assert.That(alone.IterationsUsed, Is.EqualTo(together[e].IterationsUsed), $"episode {e}");
            Assert.That(alone.Success, Is.EqualTo(together[e].Success));
            Assert.That(alone.FinalStateDistance, Is.EqualTo(together[e].FinalStateDistance).Within(1e-4));
        }
    }
}
