using WmQuant.Environments.Datasets;
using WmQuant.Models;
using WmQuant.Runtime;
using WmQuant.Training;
using WmQuant.Training.Objectives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Training;

public sealed class OpenLoopRolloutLossTests
{
    /// <summary>Tiny Wall model with two frames of history, so the rollout's sliding window is exercised.</summary>
    private static DinoWorldModel TwoFrameModel() => new(TrainingTestSupport.TinyWall() with { NumHist = 2 }, seed: 5);

    /// <summary>Tokens whose frames 1…steps are exactly what the planner's rollout predicts from frame 0 and the actions.</summary>
    private static Tensor PlannerRolloutTokens(DinoWorldModel model, int steps)
    {
        var config = model.Config;
        var generator = new Generator(11);
        var patches = (config.ImageSize / config.PatchSize) * (config.ImageSize / config.PatchSize);
        var start = new LatentObservation(
            randn([2, 1, patches, config.Encoder.Dim], generator: generator),
            randn([2, 1, config.ProprioEmbDim], generator: generator));
        var actions = randn([2, steps, config.ActionDim * config.Frameskip], generator: generator);
        return model.RolloutTokens(start, actions);
    }

    [Test]
    public void Is_zero_on_the_planners_own_rollout_and_grows_when_a_later_frame_differs()
    {
        using var model = TwoFrameModel();
        model.eval();
        using var tokens = PlannerRolloutTokens(model, steps: 4);
        using var noGrad = no_grad();

        var own = OpenLoopRolloutLoss.Compute(model, tokens, steps: 4).item<float>();
        var observed = model.Config.Encoder.Dim + model.Config.ProprioTokenDim;
        var changed = tokens.clone();
        changed[.., 3..4, .., ..observed].AddInPlace(0.5);
        var withChange = OpenLoopRolloutLoss.Compute(model, changed, steps: 4).item<float>();
        var actionsOnly = tokens.clone();
        actionsOnly[.., 4..5, .., observed..].AddInPlace(0.5);
        var lastActionChanged = OpenLoopRolloutLoss.Compute(model, actionsOnly, steps: 4).item<float>();

        Assert.Multiple(() =>
        {
            Assert.That(own, Is.LessThan(1e-10), "the loss rolls out exactly as the planner does (window, action channels)");
            Assert.That(withChange, Is.GreaterThan(1e-3), "a real frame off the rollout is a prediction error");
            Assert.That(lastActionChanged, Is.LessThan(1e-10), "the last frame's action is never used: nothing follows it");
        });
    }

    [Test]
    public void Asks_for_one_frame_more_than_its_steps()
    {
        using var model = TwoFrameModel();
        using var tokens = PlannerRolloutTokens(model, steps: 2);

        Assert.Throws<ArgumentException>(() => OpenLoopRolloutLoss.Compute(model, tokens, steps: 3));
    }

    [Test]
    public void Training_with_it_is_deterministic_and_differs_from_teacher_forcing_alone()
    {
        var settings = TrainingTestSupport.FastSettings(2, 4, seed: 7) with { RolloutSteps = 3 };
        var a = TrainingTestSupport.Train(settings, TrainingTestSupport.TemporaryDirectory("wmq-train"));
        var b = TrainingTestSupport.Train(settings, TrainingTestSupport.TemporaryDirectory("wmq-train"));
        var teacherForced = TrainingTestSupport.Train(settings with { RolloutSteps = 0 }, TrainingTestSupport.TemporaryDirectory("wmq-train"));

        Assert.Multiple(() =>
        {
            Assert.That(b.ModelSha256, Is.EqualTo(a.ModelSha256));
            Assert.That(teacherForced.ModelSha256, Is.Not.EqualTo(a.ModelSha256));
        });
    }

    [Test]
    public void Windows_longer_than_the_trajectories_and_bad_settings_are_reported()
    {
        var card = TrajectoryDataset.Open(TrainingTestSupport.DatasetDirectory).Card;
        var config = TrainingTestSupport.TinyWall();

        var tooLong = WorldModelTrainer.Problems(config, card, TrainingTestSupport.FastSettings(1, 1) with { RolloutSteps = 10 });
        var negative = new TrainingSettings { RolloutSteps = -1 }.Validate();
        var zeroWeight = new TrainingSettings { RolloutSteps = 2, RolloutWeight = 0 }.Validate();

        Assert.Multiple(() =>
        {
            Assert.That(tooLong, Has.One.Contains("a window of 11 frames every 2 steps needs 22"));
            Assert.That(negative, Has.One.Contains("rollout steps"));
            Assert.That(zeroWeight, Has.One.Contains("rollout weight"));
        });
    }
}
