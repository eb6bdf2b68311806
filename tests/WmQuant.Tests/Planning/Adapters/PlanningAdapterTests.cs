using WmQuant.Environments;
using WmQuant.Environments.Wall;
using WmQuant.Models;
using WmQuant.Models.Config;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning.Adapters;

public class PlanningAdapterTests
{
    /// <summary>The smallest DINO-WM the planning tests run (one encoder and one predictor layer, 2×2 patches).</summary>
    internal static WorldModelConfig TinyWallConfig() => new()
    {
        Name = "tiny-wall",
        ImageSize = 16,
        PatchSize = 8,
        Encoder = new EncoderConfig { Dim = 16, Depth = 1, Heads = 2, MlpDim = 32, PosEmbedGrid = 2 },
        Predictor = new PredictorConfig { Depth = 1, Heads = 2, DimHead = 8, MlpDim = 32, Dropout = 0 },
        Decoder = new DecoderConfig { Enabled = false },
        NumHist = 1,
        ProprioDim = 2,
    };

    [Test]
    public void Episode_batch_starts_and_goals_come_from_each_seed()
    {
        var batch = new EnvironmentEpisodeBatch(() => new WallEnvironment(imageSize: 16), frameskip: 5);
        batch.Reset([1, 100, 199]);
        Assert.That(batch.Count, Is.EqualTo(3));

        var (images, proprio) = batch.Observe([0, 1, 2]);
        var (goalImages, goalProprio) = batch.ObserveGoals([0, 1, 2]);
        Assert.That(images, Has.Length.EqualTo(3 * 3 * 16 * 16));
        Assert.That(goalImages, Has.Length.EqualTo(images.Length));
        Assert.That(images.All(v => v is >= 0 and <= 1), Is.True);

        int[] seeds = [1, 100, 199];
        for (int i = 0; i < 3; i++)
        {
            var spec = new WallEnvironment(imageSize: 16).SampleEpisode(seeds[i]);
            Assert.That(proprio[(2 * i)..((2 * i) + 2)], Is.EqualTo(spec.StartState.Select(v => (float)v).ToArray()).Within(1e-5));
            Assert.That(goalProprio[(2 * i)..((2 * i) + 2)], Is.EqualTo(spec.GoalState.Select(v => (float)v).ToArray()).Within(1e-5));
            Assert.That(batch.StateDistance(i), Is.EqualTo(Distance(spec.StartState, spec.GoalState)).Within(1e-9));
        }
    }

    [Test]
    public void Episode_batch_steps_only_the_chosen_episode()
    {
        var batch = new EnvironmentEpisodeBatch(() => new WallEnvironment(imageSize: 16), frameskip: 5);
        batch.Reset([1, 100]);
        var before = batch.Observe([0, 1]).Proprio;
        batch.Step(1, [1f, 0f]);
        var after = batch.Observe([0, 1]).Proprio;
        Assert.That(after[0..2], Is.EqualTo(before[0..2]));
        Assert.That(after[2] - before[2], Is.EqualTo(2f).Within(1e-4), "Wall moves 2 px per unit action unless blocked");
    }

    [Test]
    public void Model_adapter_normalises_proprio_before_encoding()
    {
        using var model = new DinoWorldModel(TinyWallConfig(), seed: 3);
        var adapter = new DinoWorldModelPlanningAdapter(model, [10f, 20f], [2f, 4f]);
        using var scope = NewDisposeScope();
        var images = rand(new long[] { 1, 1, 3, 16, 16 }, generator: new Generator(1));
        var raw = tensor(new float[] { 14f, 28f }).reshape(1, 1, 2);
        var viaAdapter = adapter.Encode(images, raw);
        var direct = model.EncodeObservations(images, tensor(new float[] { 2f, 2f }).reshape(1, 1, 2));
        Assert.That(allclose(viaAdapter.Proprio, direct.Proprio, 1e-6, 1e-6), Is.True);
        Assert.That(allclose(viaAdapter.Visual, direct.Visual), Is.True);
        Assert.That(model.parameters().All(p => !p.requires_grad), Is.True, "planners differentiate actions only");
    }

    [Test]
    public void Evaluation_on_a_real_model_and_environment_is_deterministic()
    {
        using var model = new DinoWorldModel(TinyWallConfig(), seed: 5);
        var adapter = new DinoWorldModelPlanningAdapter(model);
        var settings = new EvaluationSettings(
            new MpcSettings([0f, 0f], [0.4f, 0.4f], MaxIterations: 2),
            PlannerKind.MpcCem,
            Episodes: 3,
            Cem: new CemSettings(Horizon: 3, Samples: 8, TopK: 2, OptSteps: 2));
        EvaluationResult Run() => new EvaluationRunner(adapter, settings)
            .Run(new EnvironmentEpisodeBatch(() => new WallEnvironment(imageSize: 16), 5));

        var first = Run();
        var second = Run();
        Assert.That(first.Outcomes, Has.Count.EqualTo(3));
        Assert.That(first.Outcomes.Select(o => o.FinalStateDistance), Is.EqualTo(second.Outcomes.Select(o => o.FinalStateDistance)));
        Assert.That(first.Outcomes.Select(o => o.Seed), Is.EqualTo(new[] { 1, 100, 199 }));
        Assert.That(first.Outcomes.All(o => o.IterationsUsed is >= 1 and <= 2), Is.True);
    }

    [Test]
    public void Gradient_planning_differentiates_through_a_real_model()
    {
        // Recipes can name mpc-gd / open-loop-gd; the DINO-WM rollout must then carry gradients to the actions.
        using var model = new DinoWorldModel(TinyWallConfig(), seed: 6);
        var adapter = new DinoWorldModelPlanningAdapter(model);
        using var scope = NewDisposeScope();
        var start = adapter.Encode(rand(new long[] { 2, 1, 3, 16, 16 }, generator: new Generator(7)), randn(new long[] { 2, 1, 2 }, generator: new Generator(8)));
        var goal = adapter.Encode(rand(new long[] { 2, 1, 3, 16, 16 }, generator: new Generator(9)), randn(new long[] { 2, 1, 2 }, generator: new Generator(10)));
        var planner = new GradientPlanner(adapter, new LastFrameObjective(new ObjectiveSettings()), new GradientSettings(Horizon: 3, OptSteps: 15, LearningRate: 0.5, ActionNoise: 0));

        var result = planner.Plan(new PlanRequest(start, goal, [11L, 12L]));

        Assert.That(result.Actions.shape, Is.EqualTo(new long[] { 2, 3, model.Config.ActionInputDim }));
        foreach (var losses in result.LossPerStep)
        {
            Assert.That(losses[^1], Is.LessThan(losses[0]), "gradient steps lower the planning loss");
        }

        Assert.That(model.parameters().All(p => p.grad is null), Is.True, "only the actions are optimised");
    }

    private static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
}
