using System.Globalization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Quantization.Packing;
using static TorchSharp.torch;
using QuantizationRequest = WmQuant.Quantization.Model.QuantizationRequest;

namespace WmQuant.Pipeline.Inputs;

/// <summary>
/// An existing quantized artifact used as a model input (<c>wmq eval --artifact DIR</c>, a recipe's
/// <c>model: { artifact: DIR }</c>): its folder checked as a whole before anything is loaded: the manifest (when there is
/// one) against every file, config.json, the model config and normalization it carries, and the weight files. What
/// planning needs comes from the folder alone; nothing beside it is read.
/// </summary>
/// <param name="Folder">The artifact folder (absolute).</param>
/// <param name="ModelFiles">config.json and the weight files, by name.</param>
/// <param name="Digest">The model files' digest (<see cref="QuantizedModelArtifact.Digest(string)"/>): what its evaluations are keyed by.</param>
/// <param name="Description">config.json as read.</param>
/// <param name="ModelConfig">The model config config.json carries.</param>
/// <param name="Normalization">The planner statistics config.json carries.</param>
/// <param name="Manifest">Its manifest, verified against every file, or null for a folder without one (a bare model folder).</param>
/// <param name="ManifestSha256">SHA-256 of manifest.json, or null without one.</param>
public sealed record ArtifactModelInput(
    string Folder,
    IReadOnlyList<string> ModelFiles,
    string Digest,
    ArtifactConfigFile Description,
    WorldModelConfig ModelConfig,
    NormalizationRecord Normalization,
    ArtifactManifest? Manifest,
    string? ManifestSha256)
{
    /// <summary>The source checkpoint's SHA-256 as config.json records it, or null.</summary>
    public string? SourceModelSha256 => Description.SourceModelSha256;

    /// <summary>
    /// What was quantized, in words: the manifest's summary (the words the run that made it keyed its evaluation with),
    /// else one made from config.json.
    /// </summary>
    public string Quantization => Manifest?.Quantization.Summary ?? DescribeConfig(Description.Quantization);

    /// <summary>
    /// Opens the artifact in <paramref name="path"/> (a folder). With <paramref name="requireManifest"/>, a folder without
    /// manifest.json is refused (a recipe re-gates releases, whose manifest says what they are); without it, a bare model
    /// folder (config.json and weights) is accepted. Every problem comes back as a diagnostic; nothing throws for a bad folder.
    /// </summary>
    public static (ArtifactModelInput? Input, IReadOnlyList<Diagnostic> Problems) Open(string path, RepositoryBoundary? boundary = null, bool requireManifest = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        var problems = new List<Diagnostic>();
        var resolved = PathPolicy.Resolve(path);
        string shown = BoundedText.Shorten(path);
        if (resolved.Real is not { } real)
        {
            return Failed(Diagnostic.Error(DiagnosticCodes.UnresolvablePath, $"artifact '{shown}' cannot be used: {resolved.Problem}"));
        }

        string folder = resolved.Full;
        if (boundary?.Escape(resolved, "artifact", shown) is { } escape)
        {
            return Failed(Diagnostic.FileError(DiagnosticCodes.PathEscapesRepository, folder, escape));
        }

        switch (PathPolicy.KindOf(real))
        {
            case FileKind.Missing:
                return Failed(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, folder, "no such artifact folder"));
            case FileKind.Regular:
                return Failed(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, folder,
                    $"is a file; an artifact is a folder: name the folder that holds {ArtifactConfigFile.FileName} and the weights " +
                    $"({Path.GetDirectoryName(folder)})"));
            case FileKind.Directory:
                break;
            case var other:
                return Failed(Diagnostic.FileError(DiagnosticCodes.NotRegularFile, folder, $"is {PathPolicy.Describe(other)}, not an artifact folder"));
        }

        ArtifactManifest? manifest = null;
        string? manifestSha = null;
        string manifestPath = Path.Combine(folder, ArtifactManifest.FileName);
        if (File.Exists(manifestPath) || Directory.Exists(manifestPath))
        {
            var (read, problem) = ArtifactManifest.TryLoadFolder(folder);
            if (read is null)
            {
                return Failed(problem!);
            }

            // A changed model file is refused; a changed model card or report only warned about (the model is intact).
            var (files, _) = QuantizedModelArtifact.ModelFiles(folder);
            foreach (var mismatch in ArtifactVerifier.Check(folder, read))
            {
                bool modelFile = files.Any(f => mismatch.Position?.File == Path.GetFullPath(Path.Combine(folder, f)));
                problems.Add(modelFile ? mismatch : mismatch with { Severity = Severity.Warning });
            }

            manifest = read;
            manifestSha = FileHashes.Sha256(manifestPath);
        }
        else if (requireManifest)
        {
            return Failed(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, folder,
                $"no {ArtifactManifest.FileName}: not a release artifact (wmq run writes one with every artifact; a recipe re-gates only " +
                "artifacts whose manifest says how they were made and verifies every file)"));
        }

        if (problems.Any(p => p.IsError))
        {
            return (null, problems);
        }

        var (description, configProblem) = ArtifactConfigFile.Read(folder, boundary);
        if (description is null)
        {
            problems.Add(configProblem!);
            return (null, problems);
        }

        string configPath = Path.Combine(folder, ArtifactConfigFile.FileName);
        var parsed = WorldModelConfigYaml.Parse(description.ModelConfigYaml, configPath);
        if (parsed.Config is null)
        {
            problems.AddRange(parsed.Diagnostics.Select(d => Diagnostic.FileError(DiagnosticCodes.ModelConfigUnparsable, configPath,
                $"wmq.model_config (the model config the artifact carries) is not usable: {d.Message}")));
            return (null, problems);
        }

        if (description.Normalization is not { } normalization)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.NormalizationUnusable, configPath,
                "wmq.normalization is null: the artifact carries no action and proprio statistics, so no planner can use it; " +
                "quantize the model again with wmq run, which records them"));
            return (null, problems);
        }

        if (NormalizationProblem(normalization, parsed.Config) is { } unusable)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.NormalizationUnusable, configPath, unusable));
            return (null, problems);
        }

        var (modelFiles, weightsProblem) = QuantizedModelArtifact.ModelFiles(folder);
        if (weightsProblem is not null)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, folder, weightsProblem));
            return (null, problems);
        }

        string digest;
        try
        {
            digest = QuantizedModelArtifact.Digest(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            problems.Add(Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, folder, $"the model files cannot be read: {e.Message}"));
            return (null, problems);
        }

        return (new ArtifactModelInput(folder, modelFiles, digest, description, parsed.Config, normalization, manifest, manifestSha), problems);
    }

    /// <summary>
    /// Rebuilds the quantized network on <paramref name="device"/> in <paramref name="dtype"/>, or every reason it cannot be
    /// (tensors missing, malformed or shaped for another model), each naming the file and tensor.
    /// </summary>
    public (DinoWorldModel? Model, IReadOnlyList<Diagnostic> Problems) Load(Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(device);
        var loaded = QuantizedModelArtifact.Load(Folder, ModelConfig);
        if (loaded.Model is not { } model)
        {
            return (null, [.. loaded.Problems.Select(p => Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, Folder, StripFolder(p)))]);
        }

        model.MoveTo(device, dtype);
        return (model, []);
    }

    /// <summary>"rtn: W4 g128 (24 layers), 2 layers float" from config.json, for folders without a manifest.</summary>
    internal static string DescribeConfig(ArtifactQuantizationConfig config)
    {
        var parts = config.Layers
            .GroupBy(l => $"{QuantizationRequest.Describe(l.Weights)} {QuantizationRequest.Describe(l.Activations)}")
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} ({g.Count()} layers)"));
        string floats = config.Ignore.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", {config.Ignore.Count} layers float") : "";
        return $"{config.Method}: {string.Join(", ", parts)}{floats}";
    }

    private static string? NormalizationProblem(NormalizationRecord n, WorldModelConfig config)
    {
        if (n.ActionMean.Length != config.ActionDim || n.ActionStd.Length != config.ActionDim)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"wmq.normalization has {n.ActionMean.Length} action means and {n.ActionStd.Length} deviations; the model config's action_dim is {config.ActionDim}");
        }

        if (n.ProprioMean.Length != config.ProprioDim || n.ProprioStd.Length != config.ProprioDim)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"wmq.normalization has {n.ProprioMean.Length} proprio means and {n.ProprioStd.Length} deviations; the model config's proprio_dim is {config.ProprioDim}");
        }

        return n.ActionStd.Concat(n.ProprioStd).Any(v => !(v > 0))
            ? "wmq.normalization: every standard deviation must be above 0 (inputs are divided by it)"
            : null;
    }

    private string StripFolder(string problem)
    {
        string prefix = Folder + Path.DirectorySeparatorChar;
        return problem.StartsWith(prefix, StringComparison.Ordinal) ? problem[prefix.Length..] : problem;
    }

    private static (ArtifactModelInput? Input, IReadOnlyList<Diagnostic> Problems) Failed(Diagnostic problem) => (null, [problem]);
}
