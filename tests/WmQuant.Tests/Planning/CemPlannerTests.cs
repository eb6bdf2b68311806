using WmQuant.Models;
using WmQuant.Models.Config;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Tests.Planning.Toys;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning;

public class CemPlannerTests
{
    private static readonly CemSettings Settings = new(Horizon: 3, Samples: 300, TopK: 30, OptSteps: 30, InitialSigma: 1.0);

    private static long[] Seeds(int count, int salt = 0) =>
        Enumerable.Range(0, count).Select(e => PlanningNoise.StreamSeed(42 + salt, (99 * e) + 1, 0)).ToArray();

    // Well conditioned: each step's action lands in its own latent coordinates.
    private static LinearLatentModel ShiftRegisterModel(int seed) =>
        new(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: seed, transitionDiagonal: 0, transitionNoise: 0.1, controlScale: 1.5, shiftRegister: true);

    [Test]
    public void Cem_finds_the_closed_form_optimum_of_a_linear_latent_model()
    {
        var model = ShiftRegisterModel(seed: 1);
        var problem = new LinearProblem(model, episodes: 3, horizon: 3, alpha: 1.0, seed: 5);
        var planner = new CemPlanner(model, new LastFrameObjective(new ObjectiveSettings(1.0)), Settings);

        var result = planner.Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(3)));

        var error = (result.Actions.to(ScalarType.Float64) - problem.Optimum).abs().max().item<double>();
        Assert.That(error, Is.LessThan(0.02), $"CEM mean differs from the least-squares optimum by {error}");
        Assert.That(problem.Optimum.abs().max().item<double>(), Is.GreaterThan(0.3), "the optimum should be away from the zero initial mean");
        var optimumLoss = new LastFrameObjective(new ObjectiveSettings(1.0))
            .Loss(model.PredictFinal(problem.Start, problem.Optimum.to(model.DType)), problem.Goal).data<float>().ToArray();
        for (int e = 0; e < 3; e++)
        {
            Assert.That(result.LossPerStep[e][^1], Is.GreaterThanOrEqualTo(optimumLoss[e] - 1e-6f), "nothing beats the least-squares optimum");
            Assert.That(result.LossPerStep[e][^1], Is.LessThanOrEqualTo((optimumLoss[e] * 1.01f) + 1e-6f));
        }
    }

    [Test]
    public void Best_elite_loss_does_not_rise_and_ends_far_lower()
    {
        var model = ShiftRegisterModel(seed: 2);
        var problem = new LinearProblem(model, episodes: 4, horizon: 3, alpha: 1.0, seed: 6);
        var planner = new CemPlanner(model, new LastFrameObjective(new ObjectiveSettings(1.0)), Settings);

        var result = planner.Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(4)));

        foreach (var losses in result.LossPerStep)
        {
            Assert.That(losses, Has.Length.EqualTo(Settings.OptSteps));
            for (int step = 1; step < losses.Length; step++)
            {
                // CEM keeps no elite between steps (as upstream), only the refitted mean, so the
                // best may rise by float noise once converged, not by more.
                Assert.That(losses[step], Is.LessThanOrEqualTo((losses[step - 1] * 1.001) + 1e-7), $"step {step}: {string.Join(", ", losses)}");
            }

            Assert.That(losses[^1], Is.LessThan(losses[0] * 0.1));
        }
    }

    [Test]
    public void Batched_planning_gives_each_episode_the_plan_it_gets_alone()
    {
        var model = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 3);
        var problem = new LinearProblem(model, episodes: 4, horizon: 3, alpha: 1.0, seed: 7);
        var settings = Settings with { OptSteps = 10, Samples = 100, TopK = 10 };
        var planner = new CemPlanner(model, new LastFrameObjective(new ObjectiveSettings(1.0)), settings);
        var seeds = Seeds(4);

        var together = planner.Plan(new PlanRequest(problem.Start, problem.Goal, seeds));

        for (int e = 0; e < 4; e++)
        {
            var alone = planner.Plan(new PlanRequest(problem.Start.Slice(e, 1), problem.Goal.Slice(e, 1), [seeds[e]]));
            var difference = (alone.Actions[0] - together.Actions[e]).abs().max().item<float>();
            Assert.That(difference, Is.LessThan(1e-4f), $"episode {e}");
            Assert.That(alone.LossPerStep[0], Is.EqualTo(together.LossPerStep[e]).Within(1e-4f));
        }
    }

    [Test]
    public void Capping_the_model_batch_does_not_change_the_plan()
    {
        var model = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 4);
        var problem = new LinearProblem(model, episodes: 3, horizon: 3, alpha: 0.5, seed: 8);
        var objective = new LastFrameObjective(new ObjectiveSettings(0.5));
        var settings = Settings with { OptSteps = 5, Samples = 50, TopK = 5 };

        var whole = new CemPlanner(model, objective, settings).Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(3)));
        model.PredictBatchSizes.Clear();
        var chunked = new CemPlanner(model, objective, settings with { MaxModelBatch = 64 }).Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(3)));

        Assert.That(model.PredictBatchSizes.Max(), Is.EqualTo(64));
        Assert.That((whole.Actions - chunked.Actions).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void Automatic_chunking_splits_the_rows_only_when_they_do_not_fit_and_keeps_the_plan()
    {
        var model = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 4) { BytesPerPredictRow = 1_000 };
        var problem = new LinearProblem(model, episodes: 3, horizon: 3, alpha: 0.5, seed: 8);
        var objective = new LastFrameObjective(new ObjectiveSettings(0.5));
        var settings = Settings with { OptSteps = 5, Samples = 50, TopK = 5 };
        PlanResult Plan(long available, CemSettings? with = null)
        {
            model.PredictBatchSizes.Clear();
            return new CemPlanner(model, objective, with ?? settings, _ => available).Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(3)));
        }

        var whole = Plan(available: 300_000);
        var wholeBatches = model.PredictBatchSizes.ToList();
        // 150 rows of 1,000 bytes; half of 120,000 bytes holds 60: three calls of 50.
        var chunked = Plan(available: 120_000);
        var chunkedBatches = model.PredictBatchSizes.ToList();
        var capped = Plan(available: 120_000, settings with { MaxModelBatch = 100 });
        var cappedBatches = model.PredictBatchSizes.ToList();

        Assert.Multiple(() =>
        {
            Assert.That(wholeBatches, Is.All.EqualTo(150), "150 rows of 1,000 bytes fit in half of 300,000");
            Assert.That(chunkedBatches, Is.EqualTo(Enumerable.Repeat(50L, 15)), "three equal calls per CEM step");
            Assert.That(cappedBatches, Is.EqualTo(Enumerable.Repeat(new long[] { 100, 50 }, 5).SelectMany(b => b)), "an explicit cap wins over the estimate");
            Assert.That((whole.Actions - chunked.Actions).abs().max().item<float>(), Is.Zero);
            Assert.That((whole.Actions - capped.Actions).abs().max().item<float>(), Is.Zero);
        });
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Chunked_and_whole_planning_with_a_dino_world_model_on_the_cpu_give_identical_plans(bool incremental)
    {
        // num_hist 3 with a one-frame start: the rollout fills the key/value cache, then slides its window.
        var tiny = Adapters.PlanningAdapterTests.TinyWallConfig();
        var config = tiny with { Name = "tiny-chunks", Predictor = tiny.Predictor with { Depth = 2 }, NumHist = 3 };
        using var network = new DinoWorldModel(config, seed: 7);
        network.Predictor.IncrementalInference = incremental; // false: the full masked pass calibration plans with
        var adapter = new DinoWorldModelPlanningAdapter(network);
        var batches = new List<long>();
        var model = new ObservedWorldModel(adapter, call => batches.Add(call.BatchSize));
        var generator = new Generator(3);
        var start = adapter.Encode(rand([4, 1, 3, 16, 16], generator: generator), randn([4, 1, 2], generator: generator));
        var goal = adapter.Encode(rand([4, 1, 3, 16, 16], generator: generator), randn([4, 1, 2], generator: generator));
        var objective = new LastFrameObjective(new ObjectiveSettings(1.0));
        var settings = new CemSettings(Horizon: 5, Samples: 30, TopK: 5, OptSteps: 3);
        long perRow = adapter.BytesPerPredictRow;
        (PlanResult Result, List<long> Batches) Plan(CemSettings cem, long available)
        {
            batches.Clear();
            var result = new CemPlanner(model, objective, cem, _ => available).Plan(new PlanRequest(start, goal, Seeds(4)));
            return (result, [.. batches]);
        }

        var whole = Plan(settings, available: 1L << 40);
        var automatic = Plan(settings, available: 2 * 50 * perRow);
        var capped = Plan(settings with { MaxModelBatch = 7 }, available: 1L << 40);

        Assert.Multiple(() =>
        {
            Assert.That(perRow, Is.EqualTo(3L * 4 * 48 * 4 * RolloutMemoryEstimate.SafetyFactor), "3 frames × 4 patches × qkv 48 × float32");
            Assert.That(whole.Batches, Is.All.EqualTo(120L));
            Assert.That(automatic.Batches, Is.All.EqualTo(40L), "120 rows, 50 fit: three calls of 40");
            Assert.That(capped.Batches.Max(), Is.EqualTo(7L));
            foreach (var (name, other) in new[] { ("automatic", automatic.Result), ("capped", capped.Result) })
            {
                Assert.That(other.Actions.data<float>().ToArray(), Is.EqualTo(whole.Result.Actions.data<float>().ToArray()), $"{name}: bit-identical plan");
                Assert.That(other.LossPerStep, Is.EqualTo(whole.Result.LossPerStep), $"{name}: bit-identical losses");
            }
        });
    }

    [Test]
    public void One_model_call_per_cem_step_covers_all_episodes_and_samples()
    {
        var model = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 4);
        var problem = new LinearProblem(model, episodes: 3, horizon: 3, alpha: 1.0, seed: 9);
        var settings = Settings with { OptSteps = 4, Samples = 20, TopK = 4 };

        new CemPlanner(model, new LastFrameObjective(new ObjectiveSettings()), settings).Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(3)));

        Assert.That(model.PredictBatchSizes, Is.EqualTo(new long[] { 60, 60, 60, 60 }));
    }

    [Test]
    public void Same_seeds_repeat_and_other_seeds_differ()
    {
        var model = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 5);
        var problem = new LinearProblem(model, episodes: 2, horizon: 3, alpha: 1.0, seed: 10);
        var planner = new CemPlanner(model, new LastFrameObjective(new ObjectiveSettings()), Settings with { OptSteps = 3, Samples = 40, TopK = 5 });

        var first = planner.Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(2)));
        var again = planner.Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(2)));
        var other = planner.Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(2, salt: 1)));

        Assert.That((first.Actions - again.Actions).abs().max().item<float>(), Is.Zero);
        Assert.That((first.Actions - other.Actions).abs().max().item<float>(), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void Plans_stay_in_the_model_dtype()
    {
        var model = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 6, dtype: ScalarType.Float64);
        var problem = new LinearProblem(model, episodes: 2, horizon: 3, alpha: 1.0, seed: 11);
        var planner = new CemPlanner(model, new LastFrameObjective(new ObjectiveSettings()), Settings with { OptSteps = 3, Samples = 40, TopK = 5 });

        var result = planner.Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(2)));

        Assert.That(result.Actions.dtype, Is.EqualTo(ScalarType.Float64));
        Assert.That(result.Actions.shape, Is.EqualTo(new long[] { 2, 3, 2 }));
    }

    [Test]
    public void Settings_problems_name_every_bad_value_and_good_settings_have_none()
    {
        var bad = new CemSettings(Horizon: 0, Samples: 10, TopK: 30, OptSteps: 0, InitialSigma: 0, MaxModelBatch: -1).Problems();

        Assert.Multiple(() =>
        {
            Assert.That(bad, Has.Count.EqualTo(5));
            Assert.That(bad, Has.One.Contains("10 samples, top-k 30"));
            Assert.That(new CemSettings().Problems(), Is.Empty);
            Assert.Throws<ArgumentException>(() => new CemSettings(TopK: 1).Validate());
        });
    }
}
