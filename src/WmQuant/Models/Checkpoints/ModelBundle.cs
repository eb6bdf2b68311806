using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Models.Config;

namespace WmQuant.Models.Checkpoints;

/// <summary>
/// A trained model as everything downstream needs it: the network, the training-data statistics its inputs were
/// normalised with (normalization.json beside the weights) and the weights' hash, which keys every cached result
/// derived from it. Planning and quantization add their views of it (extension methods in their own namespaces);
/// the bundle itself knows neither.
/// </summary>
public sealed class ModelBundle : IDisposable
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private ModelBundle(DinoWorldModel model, NormalizationRecord normalization, string checkpointPath, string sha256)
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
    /// and normalization.json. Problems a user can fix come back as diagnostics, all of them, and nothing is kept.
    /// </summary>
    public static ModelBundleLoadResult Load(string checkpointPath, string? configPath = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        string checkpoint = Path.GetFullPath(checkpointPath);
        var problems = new List<Diagnostic>();
        if (!File.Exists(checkpoint))
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, "model checkpoint not found"));
            return new ModelBundleLoadResult(null, problems);
        }

        var normalization = LoadNormalization(Path.Combine(Path.GetDirectoryName(checkpoint)!, NormalizationRecord.FileName), problems);
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
                    problems.AddRange(loadProblems.Select(p => Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, p)));
                }
            }
            else
            {
                problems.AddRange(parsed.Problems.Select(p => Diagnostic.FileError(DiagnosticCodes.ModelConfigUnparsable, Path.GetFullPath(configPath), p)));
            }
        }
        else
        {
            var loaded = WorldModelCheckpoint.LoadModel(checkpoint);
            model = loaded.Model;
            problems.AddRange(loaded.Problems.Select(p => Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, p)));
        }

        if (problems.Count > 0 || model is null || normalization is null)
        {
            model?.Dispose();
            return new ModelBundleLoadResult(null, problems);
        }

        return new ModelBundleLoadResult(new ModelBundle(model, normalization, checkpoint, FileHashes.Sha256(checkpoint)), []);
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();

    private static NormalizationRecord? LoadNormalization(string path, List<Diagnostic> problems)
    {
        if (!File.Exists(path))
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.NormalizationUnusable, path,
                "normalization.json (the action and proprio statistics wmq train writes beside a model) is missing"));
            return null;
        }

        try
        {
            var normalization = JsonSerializer.Deserialize<NormalizationRecord>(File.ReadAllText(path), SnakeCase);
            if (normalization?.ActionMean is null || normalization.ActionStd is null || normalization.ProprioMean is null || normalization.ProprioStd is null)
            {
                problems.Add(Diagnostic.FileError(DiagnosticCodes.NormalizationUnusable, path, "needs action_mean, action_std, proprio_mean and proprio_std arrays"));
                return null;
            }

            return normalization;
        }
        catch (JsonException e)
        {
            problems.Add(Diagnostic.Error(DiagnosticCodes.NormalizationUnusable, $"malformed JSON: {e.Message}",
                new SourcePosition(path, (int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1)));
            return null;
        }
    }
}

/// <summary>A loaded model, or every problem that stopped it.</summary>
/// <param name="Model">The model; the caller owns it.</param>
/// <param name="Problems">Problems, empty on success.</param>
public sealed record ModelBundleLoadResult(ModelBundle? Model, IReadOnlyList<Diagnostic> Problems);
