using System.Globalization;
using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.IO.Safetensors;
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
    /// and normalization.json. Problems a user can fix come back as diagnostics, all of them, and nothing is kept. With
    /// a <paramref name="boundary"/>, every file read (the ones beside the weights too) must resolve inside it; every
    /// text file is read within its <see cref="InputLimits"/>; a config that describes far more parameters than the
    /// checkpoint holds is refused before the network is built, and weights that are NaN or infinite after loading
    /// (which no quantizer can scale) are refused with the tensors that hold them.
    /// </summary>
    public static ModelBundleLoadResult Load(string checkpointPath, string? configPath = null, RepositoryBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        string checkpoint = Path.GetFullPath(checkpointPath);
        var (config, normalization, problems) = Inspect(checkpoint, configPath, boundary);
        if (problems.Count > 0 || config is null || normalization is null)
        {
            return new ModelBundleLoadResult(null, problems);
        }

        var model = DinoWorldModel.CreateForLoading(config);
        var loadProblems = WorldModelCheckpoint.Load(model, checkpoint);
        if (loadProblems.Count > 0)
        {
            model.Dispose();
            return new ModelBundleLoadResult(null, [.. loadProblems.Select(p => Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, StripPath(p, checkpoint)))]);
        }

        return new ModelBundleLoadResult(new ModelBundle(model, normalization, checkpoint, FileHashes.Sha256(checkpoint)), []);
    }

    /// <summary>
    /// Every problem <see cref="Load"/> would find before building the network, found without Torch: the files (path
    /// policy, kinds, limits), normalization.json, the config, its size against the checkpoint's, and NaN or infinite
    /// weights. A run checks its models with this before it starts a runtime or writes anything.
    /// </summary>
    public static IReadOnlyList<Diagnostic> Check(string checkpointPath, string? configPath = null, RepositoryBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        return Inspect(Path.GetFullPath(checkpointPath), configPath, boundary).Problems;
    }

    private static (WorldModelConfig? Config, NormalizationRecord? Normalization, List<Diagnostic> Problems) Inspect(
        string checkpoint, string? configPath, RepositoryBoundary? boundary)
    {
        var problems = new List<Diagnostic>();
        if (BoundedText.Check(checkpoint, InputLimits.Checkpoint, boundary) is { } unusable)
        {
            problems.Add(unusable);
            return (null, null, problems);
        }

        var normalization = LoadNormalization(Path.Combine(Path.GetDirectoryName(checkpoint)!, NormalizationRecord.FileName), problems, boundary);
        var config = LoadConfig(checkpoint, configPath, boundary, problems);
        if (config is not null)
        {
            problems.AddRange(WeightProblems(config, checkpoint, configPath));
        }

        return (config, normalization, problems);
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();

    /// <summary>The config named, else the one beside the weights, else the one in the weights' metadata; null after reporting why none is usable.</summary>
    private static WorldModelConfig? LoadConfig(string checkpoint, string? configPath, RepositoryBoundary? boundary, List<Diagnostic> problems)
    {
        string beside = WorldModelCheckpoint.ConfigPathFor(checkpoint);
        string? named = configPath is null ? null : Path.GetFullPath(configPath);
        bool besideExists = File.Exists(beside) || Directory.Exists(beside) || new FileInfo(beside).LinkTarget is not null;
        ConfigParseResult parsed;
        if (named is not null || besideExists)
        {
            parsed = WorldModelConfigYaml.Load(named ?? beside, boundary);
        }
        else
        {
            try
            {
                using var file = SafetensorsFile.Open(checkpoint);
                if (!file.Metadata.TryGetValue(WorldModelCheckpoint.ConfigMetadataKey, out var yaml))
                {
                    problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint,
                        $"no model config: neither {beside} nor metadata '{WorldModelCheckpoint.ConfigMetadataKey}'"));
                    return null;
                }

                parsed = WorldModelConfigYaml.Parse(yaml, checkpoint + "#" + WorldModelCheckpoint.ConfigMetadataKey);
            }
            catch (SafetensorsFormatException e)
            {
                problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, $"not a readable safetensors file: {e.Message}"));
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, $"the checkpoint cannot be read: {e.Message}"));
                return null;
            }
        }

        problems.AddRange(parsed.Diagnostics);
        return parsed.Config;
    }

    /// <summary>
    /// What the checkpoint's header and bits say before the network is built: a config that describes far more
    /// parameters than the checkpoint holds belongs to another model (or was made to exhaust memory) and is refused
    /// before anything is allocated; NaN or infinite weights, which no quantizer can scale (an infinity makes its
    /// group's scale infinite and zeroes the rest of the group), are refused with the tensors that hold them.
    /// </summary>
    private static List<Diagnostic> WeightProblems(WorldModelConfig config, string checkpoint, string? configPath)
    {
        var problems = new List<Diagnostic>();
        try
        {
            using var weights = SafetensorsFile.Open(checkpoint);
            long held = weights.Tensors.Sum(t => t.ElementCount);
            double described = WorldModelConfigSize.Parameters(config);
            if (described > (held * 1.25) + 1_000_000)
            {
                string file = configPath is null ? WorldModelCheckpoint.ConfigPathFor(checkpoint) : Path.GetFullPath(configPath);
                problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelConfigUnparsable, File.Exists(file) ? file : checkpoint, string.Create(CultureInfo.InvariantCulture,
                    $"the model config describes about {described:N0} parameters but the checkpoint holds {held:N0}: it does not belong to this checkpoint")));
                return problems;
            }

            var bad = SafetensorsNonFinite.Scan(weights);
            if (bad.Count > 0)
            {
                string listed = string.Join(", ", bad.Take(10).Select(b => $"{b.Name} ({Counts(b.NaN, b.Infinite)})"));
                string more = bad.Count > 10 ? string.Create(CultureInfo.InvariantCulture, $" and {bad.Count - 10} more tensors") : "";
                problems.Add(Diagnostic.FileError(DiagnosticCodes.NonFiniteWeights, checkpoint,
                    $"the checkpoint holds weights that are not finite numbers, which no quantizer can scale: {listed}{more}; retrain or repair the model"));
            }
        }
        catch (SafetensorsFormatException e)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, $"not a readable safetensors file: {StripPath(e.Message, checkpoint)}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OverflowException)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, checkpoint, $"the checkpoint cannot be read: {e.Message}"));
        }

        return problems;
    }

    private static string Counts(long nan, long infinite) => string.Join(", ", new[]
    {
        nan > 0 ? string.Create(CultureInfo.InvariantCulture, $"{nan:N0} NaN") : null,
        infinite > 0 ? string.Create(CultureInfo.InvariantCulture, $"{infinite:N0} infinite") : null,
    }.OfType<string>());

    /// <summary>Problems of the weight loader start with the path, which the diagnostic's position already names.</summary>
    private static string StripPath(string problem, string checkpoint) =>
        problem.StartsWith(checkpoint + ": ", StringComparison.Ordinal) ? problem[(checkpoint.Length + 2)..] : problem;

    private static NormalizationRecord? LoadNormalization(string path, List<Diagnostic> problems, RepositoryBoundary? boundary)
    {
        if (!File.Exists(path) && !Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.NormalizationUnusable, path,
                "normalization.json (the action and proprio statistics wmq train writes beside a model) is missing"));
            return null;
        }

        var (normalization, problem) = BoundedText.ReadJson<NormalizationRecord>(path, InputLimits.Normalization, SnakeCase, boundary);
        if (problem is not null)
        {
            problems.Add(problem);
            return null;
        }

        if (normalization!.ActionMean is null || normalization.ActionStd is null || normalization.ProprioMean is null || normalization.ProprioStd is null)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.NormalizationUnusable, path, "needs action_mean, action_std, proprio_mean and proprio_std arrays"));
            return null;
        }

        if (normalization.ActionMean.Concat(normalization.ProprioMean).Any(v => !double.IsFinite(v))
            || normalization.ActionStd.Concat(normalization.ProprioStd).Any(v => !(double.IsFinite(v) && v > 0)))
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.NormalizationUnusable, path,
                "every mean must be a finite number and every standard deviation a finite number above 0 (inputs are divided by it)"));
            return null;
        }

        return normalization;
    }
}

/// <summary>A loaded model, or every problem that stopped it.</summary>
/// <param name="Model">The model; the caller owns it.</param>
/// <param name="Problems">Problems, empty on success.</param>
public sealed record ModelBundleLoadResult(ModelBundle? Model, IReadOnlyList<Diagnostic> Problems);
