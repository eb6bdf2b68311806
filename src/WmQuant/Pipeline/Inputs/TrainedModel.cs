using System.Security.Cryptography;
using System.Text.Json;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Mpc;
using WmQuant.Training;

namespace WmQuant.Pipeline.Inputs;

/// <summary>
/// A trained model as planners need it: the network, the dataset statistics its inputs were normalised with
/// (normalization.json beside the weights) and the weights' hash, which keys every cached result derived from it.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private TrainedModel(DinoWorldModel model, NormalizationRecord normalization, string checkpointPath, string sha256)
    {
        Model = model;
        Normalization = normalization;
        CheckpointPath = checkpointPath;
        Sha256 = sha256;
    }

    /// <summary>The network (owned: disposed with this object).</summary>
    public DinoWorldModel Model { get; }

    /// <summary>Action and proprio statistics of the training data.</summary>
    public NormalizationRecord Normalization { get; }

    /// <summary>Full path of the weights file.</summary>
    public string CheckpointPath { get; }

    /// <summary>Hex SHA-256 of the weights file.</summary>
    public string Sha256 { get; }

    /// <summary>
    /// Loads weights, config (<paramref name="configPath"/>, else the YAML beside the weights, else the weights' metadata)
    /// and normalization.json. Problems a user can fix come back as lines in MSBuild's format, all of them.
    /// </summary>
    public static TrainedModelLoadResult Load(string checkpointPath, string? configPath = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        string checkpoint = Path.GetFullPath(checkpointPath);
        var problems = new List<string>();
        if (!File.Exists(checkpoint))
        {
            problems.Add($"{checkpoint}: error WMQ3002: model checkpoint not found");
            return new TrainedModelLoadResult(null, problems);
        }

        string normalizationPath = Path.Combine(Path.GetDirectoryName(checkpoint)!, TrainingOutputs.NormalizationFileName);
        NormalizationRecord? normalization = null;
        if (!File.Exists(normalizationPath))
        {
            problems.Add($"{normalizationPath}: error WMQ3001: normalization.json (the action and proprio statistics wmq train writes beside a model) is missing");
        }
        else
        {
            try
            {
                normalization = JsonSerializer.Deserialize<NormalizationRecord>(File.ReadAllText(normalizationPath), SnakeCase);
                if (normalization?.ActionMean is null || normalization.ActionStd is null || normalization.ProprioMean is null || normalization.ProprioStd is null)
                {
                    problems.Add($"{normalizationPath}: error WMQ3001: needs action_mean, action_std, proprio_mean and proprio_std arrays");
                    normalization = null;
                }
            }
            catch (JsonException e)
            {
                problems.Add($"{normalizationPath}({(e.LineNumber ?? 0) + 1},{(e.BytePositionInLine ?? 0) + 1}): error WMQ3001: malformed JSON: {e.Message}");
            }
        }

        DinoWorldModel? model = null;
        if (configPath is not null && Path.GetFullPath(configPath) != Path.GetFullPath(WorldModelCheckpoint.ConfigPathFor(checkpoint)))
        {
            var parsed = WorldModelConfigYaml.Load(configPath);
            if (parsed.Ok)
            {
                model = DinoWorldModel.CreateForLoading(parsed.Config!);
                var loadProblems = WorldModelCheckpoint.Load(model, checkpoint);
                if (loadProblems.Count > 0)
                {
                    model.Dispose();
                    model = null;
                    problems.AddRange(loadProblems.Select(p => $"{checkpoint}: error WMQ3002: {p}"));
                }
            }
            else
            {
                problems.AddRange(parsed.Problems.Select(p => $"{configPath}: error WMQ3003: {p}"));
            }
        }
        else
        {
            var loaded = WorldModelCheckpoint.LoadModel(checkpoint);
            model = loaded.Model;
            problems.AddRange(loaded.Problems.Select(p => $"{checkpoint}: error WMQ3002: {p}"));
        }

        if (problems.Count > 0 || model is null || normalization is null)
        {
            model?.Dispose();
            return new TrainedModelLoadResult(null, problems);
        }

        return new TrainedModelLoadResult(new TrainedModel(model, normalization, checkpoint, FileSha256(checkpoint)), []);
    }

    /// <summary>Hex SHA-256 of a file.</summary>
    public static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The planning view of the model, with proprio normalised as in training.</summary>
    public DinoWorldModelPlanningAdapter CreateAdapter() =>
        new(Model, ToFloats(Normalization.ProprioMean), ToFloats(Normalization.ProprioStd));

    /// <summary>MPC settings that denormalise planned actions with the training statistics.</summary>
    public MpcSettings CreateMpcSettings(int maxIterations) =>
        new(ToFloats(Normalization.ActionMean), ToFloats(Normalization.ActionStd), maxIterations);

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();

    private static float[] ToFloats(double[] values) => [.. values.Select(v => (float)v)];
}

/// <summary>A loaded model, or every problem (MSBuild-format lines) that stopped it.</summary>
/// <param name="Model">The model; the caller owns it.</param>
/// <param name="Problems">Problems, empty on success.</param>
public sealed record TrainedModelLoadResult(TrainedModel? Model, IReadOnlyList<string> Problems);
