using System.Globalization;
using System.Text.Json;
using WmQuant.IO.Safetensors;
using static TorchSharp.torch;

namespace WmQuant.Training;

/// <summary>Where a run stood when a checkpoint was written: enough, with the weights and moments, to continue identically.</summary>
/// <param name="Phase">Phase being run.</param>
/// <param name="Step">Steps of that phase already done.</param>
/// <param name="OptimizerSteps">Update count of every optimizer, by name.</param>
/// <param name="Losses">Losses recorded so far.</param>
/// <param name="ElapsedSeconds">Training wall time spent before this checkpoint.</param>
public sealed record TrainingResumeState(
    TrainingPhase Phase,
    int Step,
    IReadOnlyDictionary<string, long> OptimizerSteps,
    IReadOnlyList<LossRecord> Losses,
    double ElapsedSeconds);

/// <summary>A checkpoint read back: its state and tensors (the caller disposes the tensors).</summary>
/// <param name="State">Position of the run.</param>
/// <param name="Weights">Model state dict.</param>
/// <param name="OptimizerState">Optimizer moments, keys "optimizer/parameter.m|v".</param>
public sealed record LoadedTrainingCheckpoint(TrainingResumeState State, Dictionary<string, Tensor> Weights, Dictionary<string, Tensor> OptimizerState);

/// <summary>
/// Resumable checkpoints under &lt;out&gt;/checkpoints/step-NNNNNNNNN: each is written into a temporary
/// folder and renamed into place only when complete, so a crash mid-write leaves the previous one intact.
/// Older checkpoints are removed once a newer one is in place.
/// </summary>
public sealed class TrainingCheckpointStore(string outputDirectory)
{
    private const string Prefix = "step-";
    private const string WeightsFile = "weights.safetensors";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string StateFile = "state.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>Folder holding the checkpoints.</summary>
    public string Directory { get; } = Path.Combine(outputDirectory, "checkpoints");

    /// <summary>Writes a checkpoint for global step <paramref name="globalStep"/> (its folder name orders checkpoints).</summary>
    public string Write(int globalStep, TrainingResumeState state, IReadOnlyDictionary<string, Tensor> weights, IReadOnlyDictionary<string, Tensor> optimizerState)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = Prefix + globalStep.ToString("D9", CultureInfo.InvariantCulture);
        var final = Path.Combine(Directory, name);
        var temporary = final + ".tmp";
        if (System.IO.Directory.Exists(temporary))
        {
            System.IO.Directory.Delete(temporary, recursive: true);
        }

        System.IO.Directory.CreateDirectory(temporary);
        SafetensorsTorch.Save(Path.Combine(temporary, WeightsFile), weights);
        SafetensorsTorch.Save(Path.Combine(temporary, OptimizerFile), optimizerState);
        File.WriteAllText(Path.Combine(temporary, StateFile), JsonSerializer.Serialize(state, Json));
        if (System.IO.Directory.Exists(final))
        {
            System.IO.Directory.Delete(final, recursive: true);
        }

        System.IO.Directory.Move(temporary, final);
        foreach (var older in Complete().Where(d => string.CompareOrdinal(Path.GetFileName(d), name) < 0))
        {
            System.IO.Directory.Delete(older, recursive: true);
        }

        return final;
    }

    /// <summary>Removes every checkpoint: once the final model is written they would only make a rerun resume near the end instead of starting afresh.</summary>
    public void Clear()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    /// <summary>The newest complete checkpoint, or null when there is none.</summary>
    public LoadedTrainingCheckpoint? LoadLatest()
    {
        var latest = Complete().LastOrDefault();
        if (latest is null)
        {
            return null;
        }

        var state = JsonSerializer.Deserialize<TrainingResumeState>(File.ReadAllText(Path.Combine(latest, StateFile)), Json)
            ?? throw new InvalidDataException($"{latest}/{StateFile} is empty");
        return new LoadedTrainingCheckpoint(state, SafetensorsTorch.Load(Path.Combine(latest, WeightsFile)), SafetensorsTorch.Load(Path.Combine(latest, OptimizerFile)));
    }

    private List<string> Complete() =>
        !System.IO.Directory.Exists(Directory)
            ? []
            : [.. System.IO.Directory.GetDirectories(Directory, Prefix + "*")
                .Where(d => !d.EndsWith(".tmp", StringComparison.Ordinal) && File.Exists(Path.Combine(d, StateFile)))
                .Order(StringComparer.Ordinal)];
}
