using WmQuant.Models.Checkpoints;
using WmQuant.Runtime;
using WmQuant.Training;
using static TorchSharp.torch;

namespace WmQuant.Tests.Training;

public sealed class VisualLatentScaleTests
{
    [Test]
    public void The_frozen_encoder_output_is_scaled_exactly_and_only_once_pretraining_ends()
    {
        var plain = TrainingTestSupport.Train(TrainingTestSupport.FastSettings(3, 2, seed: 4), TrainingTestSupport.TemporaryDirectory("wmq-train"));
        var scaled = TrainingTestSupport.Train(TrainingTestSupport.FastSettings(3, 2, seed: 4) with { VisualLatentScale = 2 }, TrainingTestSupport.TemporaryDirectory("wmq-train"));
        using var a = WorldModelCheckpoint.LoadModel(plain.ModelPath).Model!;
        using var b = WorldModelCheckpoint.LoadModel(scaled.ModelPath).Model!;
        using var images = rand([2, 3, 32, 32], generator: new Generator(3));

        using var expected = a.EncodeVisual(images).Mul(2);
        using var actual = b.EncodeVisual(images);

        Assert.Multiple(() =>
        {
            Assert.That(actual.equal(expected).all().item<bool>(), Is.True, "×2 is exact in floating point: the encoder itself is unchanged");
            Assert.That(scaled.ModelSha256, Is.Not.EqualTo(plain.ModelSha256));
            Assert.That(new TrainingSettings { VisualLatentScale = 0 }.Validate(), Has.One.Contains("visual latent scale"));
        });
    }

    [Test]
    public void A_run_resumed_in_the_predictor_phase_does_not_scale_twice()
    {
        var settings = TrainingTestSupport.FastSettings(4, 6, seed: 2) with { CheckpointEvery = 4, VisualLatentScale = 2 };
        var uninterrupted = TrainingTestSupport.Train(settings, TrainingTestSupport.TemporaryDirectory("wmq-train"));
        var output = TrainingTestSupport.TemporaryDirectory("wmq-train");
        TrainingTestSupport.TrainUntilCancelled(settings, output, TrainingPhase.Predictor, stopAfterStep: 5);

        var resumed = TrainingTestSupport.Train(settings, output);

        Assert.Multiple(() =>
        {
            Assert.That(resumed.ResumedFrom, Is.EqualTo(8));
            Assert.That(resumed.ModelSha256, Is.EqualTo(uninterrupted.ModelSha256));
        });
    }
}
