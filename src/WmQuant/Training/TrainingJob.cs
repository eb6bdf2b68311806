using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Environments.Datasets;
using WmQuant.Models.Config;
using static TorchSharp.torch;

namespace WmQuant.Training;

/// <summary>What <c>wmq train</c> asks for: a model config, a dataset folder, where the model goes, and how to train.</summary>
/// <param name="ConfigPath">Model config YAML.</param>
/// <param name="DatasetDirectory">A dataset folder written by the dataset generators.</param>
/// <param name="OutputDirectory">Where the model, its statistics and record go; checkpoints there are resumed.</param>
/// <param name="Settings">Everything else that decides the weights.</param>
public sealed record TrainingRequest(string ConfigPath, string DatasetDirectory, string OutputDirectory, TrainingSettings Settings);

/// <summary>How a training ended: the trained model, an interruption (checkpoints kept for resuming), or problems.</summary>
/// <param name="Result">The written model, when training finished.</param>
/// <param name="Interrupted">Cancelled; rerunning the same request resumes from the last checkpoint.</param>
/// <param name="Problems">Why it stopped otherwise (outputs that could not be written).</param>
public sealed record TrainingOutcome(TrainingResult? Result, bool Interrupted, IReadOnlyList<Diagnostic> Problems);

/// <summary>
/// The use-case behind <c>wmq train</c>. <see cref="Prepare"/> checks config, dataset and settings together and
/// reports every problem as a diagnostic before any tensor exists (so a wrong file costs no device start);
/// <see cref="Run"/> then trains on a device, or resumes.
/// </summary>
public sealed class TrainingJob
{
    private TrainingJob(TrainingRequest request, WorldModelConfig config, TrajectoryDataset dataset)
    {
        Request = request;
        Config = config;
        Dataset = dataset;
    }

    /// <summary>The request.</summary>
    public TrainingRequest Request { get; }

    /// <summary>The parsed model config.</summary>
    public WorldModelConfig Config { get; }

    /// <summary>The opened dataset.</summary>
    public TrajectoryDataset Dataset { get; }

    /// <summary>Reads the config and the dataset and checks that they train together with the settings.</summary>
    public static (TrainingJob? Job, IReadOnlyList<Diagnostic> Problems) Prepare(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parsed = WorldModelConfigYaml.Load(request.ConfigPath);
        if (!parsed.Ok)
        {
            return (null, [.. parsed.Problems.Select(p => Diagnostic.Error(DiagnosticCodes.TrainConfig, p))]);
        }

        TrajectoryDataset dataset;
        try
        {
            dataset = TrajectoryDataset.Open(request.DatasetDirectory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or ArgumentException)
        {
            // ArgumentException: a card naming an environment this build does not implement.
            return (null, [Diagnostic.Error(DiagnosticCodes.TrainDataset, e.Message)]);
        }

        var problems = WorldModelTrainer.Problems(parsed.Config!, dataset.Card, request.Settings);
        return problems.Count > 0
            ? (null, [.. problems.Select(p => Diagnostic.Error(DiagnosticCodes.TrainIncompatible, p))])
            : (new TrainingJob(request, parsed.Config!, dataset), []);
    }

    /// <summary>
    /// Trains (or resumes) on <paramref name="device"/> and writes the outputs. Cancelling stops at the next step and
    /// keeps the last checkpoint; outputs that cannot be written come back as a WMQ3303 diagnostic.
    /// </summary>
    public TrainingOutcome Run(Device device, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var trainer = new WorldModelTrainer(Config, Dataset, Request.Settings, device);
            return new TrainingOutcome(trainer.Train(Request.OutputDirectory, progress, cancellationToken), false, []);
        }
        catch (OperationCanceledException)
        {
            return new TrainingOutcome(null, true, []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = Diagnostic.FileError(
                DiagnosticCodes.OutputUnwritable, Path.GetFullPath(Request.OutputDirectory), $"cannot write the training outputs: {e.Message}");
            return new TrainingOutcome(null, false, [problem]);
        }
    }
}
