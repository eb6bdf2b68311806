using WmQuant.Environments.Datasets;
using WmQuant.Models.Config;
using WmQuant.Training;

namespace WmQuant.Tests.Training;

/// <summary>A tiny Wall dataset and model shared by the training tests.</summary>
internal static class TrainingTestSupport
{
    private static readonly Lazy<string> SharedDataset = new(() => CreateDataset(10, 20, seed: 3));

    /// <summary>10 Wall random walks × 20 steps, generated once per test run.</summary>
    public static string DatasetDirectory => SharedDataset.Value;

    public static WorldModelConfig TinyWall() => new()
    {
        Name = "tiny-wall",
        ImageSize = 32,
        PatchSize = 8,
        Encoder = new EncoderConfig { Dim = 16, Depth = 1, Heads = 2, MlpDim = 32, PosEmbedGrid = 4, LayerScaleInit = 1.0 },
        Predictor = new PredictorConfig { Depth = 1, Heads = 2, DimHead = 8, MlpDim = 32, Dropout = 0.1 },
        Decoder = new DecoderConfig { Enabled = true, Channels = 8, Upsamplings = 2 },
        NumHist = 1,
        Frameskip = 2,
        ActionDim = 2,
        ActionEmbDim = 4,
        ProprioDim = 2,
        ProprioEmbDim = 4,
    };

    /// <summary>Settings that train <see cref="TinyWall"/> fast: batch 8, rates 2e-3, a loss every step, no checkpoints.</summary>
    public static TrainingSettings FastSettings(int encoderSteps, int predictorSteps, int seed = 0) => new()
    {
        Seed = seed,
        BatchSize = 8,
        EncoderSteps = encoderSteps,
        PredictorSteps = predictorSteps,
        LogEvery = 1,
        CheckpointEvery = 0,
        EncoderLearningRate = 2e-3,
        DecoderLearningRate = 2e-3,
        PredictorLearningRate = 2e-3,
        EmbeddingLearningRate = 2e-3,
    };

    /// <summary>Trains <see cref="TinyWall"/> on the shared dataset into <paramref name="output"/>.</summary>
    public static TrainingResult Train(TrainingSettings settings, string output, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default) =>
        new WorldModelTrainer(TinyWall(), TrajectoryDataset.Open(DatasetDirectory), settings).Train(output, progress, cancellation);

    /// <summary>Trains into <paramref name="output"/> and cancels once <paramref name="stopPhase"/> reports step <paramref name="stopAfterStep"/>, leaving its checkpoints to resume from.</summary>
    public static void TrainUntilCancelled(TrainingSettings settings, string output, TrainingPhase stopPhase, int stopAfterStep)
    {
        using var cancel = new CancellationTokenSource();
        var stopper = new InlineProgress<TrainingProgress>(p =>
        {
            if (p.Phase == stopPhase && p.Step == stopAfterStep)
            {
                cancel.Cancel();
            }
        });
        Assert.Throws<OperationCanceledException>(() => Train(settings, output, stopper, cancel.Token));
    }

    public static string CreateDataset(int trajectories, int steps, int seed)
    {
        var directory = TemporaryDirectory("wmq-train-data");
        new WallRandomWalkGenerator().Generate(trajectories, steps, seed).Save(directory);
        return directory;
    }

    public static string TemporaryDirectory(string prefix)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }
}

/// <summary>Reports synchronously (System.Progress posts to a thread pool, which would race the assertions).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
