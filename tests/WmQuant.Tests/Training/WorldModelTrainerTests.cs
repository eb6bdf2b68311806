using System.Text.Json;
using WmQuant.Environments.Datasets;
using WmQuant.Models.Checkpoints;
using WmQuant.Training;

namespace WmQuant.Tests.Training;

public sealed class WorldModelTrainerTests
{
    private static TrainingSettings Settings(int encoderSteps, int predictorSteps, int seed = 0) =>
        TrainingTestSupport.FastSettings(encoderSteps, predictorSteps, seed);

    private static TrainingResult Train(TrainingSettings settings, string output) => TrainingTestSupport.Train(settings, output);

    [Test]
    public void BothPhasesReduceTheirLoss()
    {
        var result = Train(Settings(30, 30), TrainingTestSupport.TemporaryDirectory("wmq-train"));

        foreach (var phase in new[] { TrainingPhase.EncoderPretraining, TrainingPhase.Predictor })
        {
            var losses = result.Losses.Where(l => l.Phase == phase).Select(l => l.Loss).ToList();
            Assert.That(losses, Has.Count.EqualTo(30));
            var first = losses.Take(5).Average();
            var last = losses.TakeLast(5).Average();
            Assert.That(last, Is.LessThan(first * 0.8), $"{phase}: first five average {first}, last five {last}");
        }
    }

    [Test]
    public void OutputsHoldLoadableWeightsNormalisationAndARecord()
    {
        var output = TrainingTestSupport.TemporaryDirectory("wmq-train");
        var result = Train(Settings(3, 3), output);
        var card = TrajectoryDataset.Open(TrainingTestSupport.DatasetDirectory).Card;

        var loaded = WorldModelCheckpoint.LoadModel(result.ModelPath);
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, TrainingOutputs.RecordFileName)));
        using var normalization = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, TrainingOutputs.NormalizationFileName)));
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Problems, Is.Empty);
            Assert.That(Directory.Exists(Path.Combine(output, "checkpoints")), Is.False, "a finished run leaves no checkpoint to resume from");
            Assert.That(loaded.Model!.Config, Is.EqualTo(TrainingTestSupport.TinyWall()));
            Assert.That(record.RootElement.GetProperty("model_sha256").GetString(), Is.EqualTo(WmQuant.IO.FileHashes.Sha256(result.ModelPath)));
            Assert.That(record.RootElement.GetProperty("losses").GetArrayLength(), Is.EqualTo(6));
            Assert.That(record.RootElement.GetProperty("dataset_card_sha256").GetString(), Is.EqualTo(TrainingOutputs.CardSha256(card)));
            Assert.That(normalization.RootElement.GetProperty("action_std")[1].GetDouble(), Is.EqualTo(card.ActionStd[1]));
            Assert.That(normalization.RootElement.GetProperty("proprio_mean")[0].GetDouble(), Is.EqualTo(card.ProprioMean[0]));
        });
        loaded.Model?.Dispose();
    }

    [Test]
    public void SameSeedGivesByteIdenticalWeightsAndAnotherSeedDoesNot()
    {
        var a = Train(Settings(4, 4, seed: 7), TrainingTestSupport.TemporaryDirectory("wmq-train"));
        var b = Train(Settings(4, 4, seed: 7), TrainingTestSupport.TemporaryDirectory("wmq-train"));
        var c = Train(Settings(4, 4, seed: 8), TrainingTestSupport.TemporaryDirectory("wmq-train"));

        Assert.Multiple(() =>
        {
            Assert.That(b.ModelSha256, Is.EqualTo(a.ModelSha256));
            Assert.That(c.ModelSha256, Is.Not.EqualTo(a.ModelSha256));
            Assert.That(b.Losses.Select(l => l.Loss), Is.EqualTo(a.Losses.Select(l => l.Loss)));
        });
    }

    [TestCase(TrainingPhase.EncoderPretraining, 5, 4)]
    [TestCase(TrainingPhase.Predictor, 1, 6)]
    [TestCase(TrainingPhase.Predictor, 5, 10)]
    public void ARunResumedFromACheckpointEndsWithTheSameWeights(TrainingPhase stopPhase, int stopAfterStep, int expectedResumeStep)
    {
        var settings = Settings(6, 6, seed: 2) with { CheckpointEvery = 4 };
        var uninterrupted = Train(settings, TrainingTestSupport.TemporaryDirectory("wmq-train"));

        var output = TrainingTestSupport.TemporaryDirectory("wmq-train");
        TrainingTestSupport.TrainUntilCancelled(settings, output, stopPhase, stopAfterStep);
        Assert.That(File.Exists(Path.Combine(output, TrainingOutputs.ModelFileName)), Is.False, "an interrupted run leaves no final model");

        Assert.That(Directory.GetDirectories(Path.Combine(output, "checkpoints")).Select(Path.GetFileName), Is.EqualTo(new[] { $"step-{expectedResumeStep:D9}" }), "only the newest checkpoint is kept");
        var resumed = Train(settings, output);

        Assert.Multiple(() =>
        {
            Assert.That(resumed.ResumedFrom, Is.EqualTo(expectedResumeStep));
            Assert.That(resumed.ModelSha256, Is.EqualTo(uninterrupted.ModelSha256), "weights and Adam moments were restored exactly");
            Assert.That(resumed.Losses.Select(l => l.Loss), Is.EqualTo(uninterrupted.Losses.Select(l => l.Loss)));
        });
    }

    [Test]
    public void MismatchedDatasetsAreReportedNotThrownLate()
    {
        var card = TrajectoryDataset.Open(TrainingTestSupport.DatasetDirectory).Card;
        var config = TrainingTestSupport.TinyWall() with { ProprioDim = 4, NumHist = 20 };

        var problems = WorldModelTrainer.Problems(config, card, Settings(1, 1) with { BatchSize = 0 });

        Assert.That(problems, Has.Count.EqualTo(3));
    }
}
