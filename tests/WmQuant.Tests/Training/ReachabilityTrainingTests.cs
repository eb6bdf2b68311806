using WmQuant.Environments.Datasets;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Training;
using static TorchSharp.torch;

namespace WmQuant.Tests.Training;

public sealed class ReachabilityTrainingTests
{
    private static TrainingSettings Settings(int encoderSteps, int predictorSteps, int seed = 0) =>
        TrainingTestSupport.FastSettings(encoderSteps, predictorSteps, seed) with
        {
            ReachabilityWeight = 1,
            ReachabilityScale = 0.05,
            ProprioInitScale = 0.1,
            ProprioLearningRate = 5e-4,
        };

    private static TrainingResult Train(TrainingSettings settings, string output) => TrainingTestSupport.Train(settings, output);

    [Test]
    public void TheReachabilityRecipeIsReproducibleAndReducesTheEncoderLoss()
    {
        var a = Train(Settings(30, 2, seed: 4), TrainingTestSupport.TemporaryDirectory("wmq-reach"));
        var b = Train(Settings(30, 2, seed: 4), TrainingTestSupport.TemporaryDirectory("wmq-reach"));
        var encoder = a.Losses.Where(l => l.Phase == TrainingPhase.EncoderPretraining).Select(l => l.Loss).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(b.ModelSha256, Is.EqualTo(a.ModelSha256));
            Assert.That(encoder.TakeLast(5).Average(), Is.LessThan(encoder.Take(5).Average() * 0.8));
        });
    }

    [Test]
    public void ProprioInitScaleShrinksTheInitialProprioEncoderOnly()
    {
        var plain = Train(Settings(0, 0) with { ProprioInitScale = 1 }, TrainingTestSupport.TemporaryDirectory("wmq-reach"));
        var scaled = Train(Settings(0, 0) with { ProprioInitScale = 0.25 }, TrainingTestSupport.TemporaryDirectory("wmq-reach"));
        using var p = WorldModelCheckpoint.LoadModel(plain.ModelPath).Model!;
        using var s = WorldModelCheckpoint.LoadModel(scaled.ModelPath).Model!;

        var ratio = (s.ProprioEncoder.PatchEmbed.weight! / p.ProprioEncoder.PatchEmbed.weight!).mean().item<float>();
        Assert.Multiple(() =>
        {
            Assert.That(ratio, Is.EqualTo(0.25).Within(1e-6));
            Assert.That(s.ActionEncoder.PatchEmbed.weight!.eq(p.ActionEncoder.PatchEmbed.weight!).all().item<bool>(), Is.True);
        });
    }

    [Test]
    public void ARunWithItsOwnProprioOptimizerResumesToTheSameWeights()
    {
        var settings = Settings(4, 6, seed: 5) with { CheckpointEvery = 3 };
        var uninterrupted = Train(settings, TrainingTestSupport.TemporaryDirectory("wmq-reach"));
        var output = TrainingTestSupport.TemporaryDirectory("wmq-reach");
        TrainingTestSupport.TrainUntilCancelled(settings, output, TrainingPhase.Predictor, stopAfterStep: 4);

        var resumed = Train(settings, output);

        Assert.Multiple(() =>
        {
            Assert.That(resumed.ResumedFrom, Is.EqualTo(4 + 3));
            Assert.That(resumed.ModelSha256, Is.EqualTo(uninterrupted.ModelSha256));
        });
    }

    [Test]
    public void FrameCachesRenderedInChunksMatchFramesRenderedPerBatch()
    {
        // 170 × 51 = 8670 frames: more than one rendering chunk.
        var directory = TrainingTestSupport.TemporaryDirectory("wmq-chunks");
        new WallExplorationGenerator().Generate(170, 50, seed: 6).Save(directory);
        var dataset = TrajectoryDataset.Open(directory);
        using var cached = new TrainingData(dataset, 16, cacheFrames: true);
        using var direct = new TrainingData(dataset, 16, cacheFrames: false);
        var items = new (int, int)[] { (0, 0), (160, 50), (169, 12), (84, 33) };

        using var a = cached.Frames(items);
        using var b = direct.Frames(items);
        Assert.That(a.eq(b).all().item<bool>(), Is.True);
    }
}
