using System.Text.Json;
using System.Text.Json.Serialization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Planning.Evaluation;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>
/// manifest.json: what went into an artifact (model, recipe, tool, seeds) and what came out (metrics, sizes, gate
/// verdicts, file hashes), so an artifact can be audited, compared and used as the baseline of a later release.
/// Every value derives from the inputs or from cached stage results, so an unchanged recipe rewrites identical bytes.
/// </summary>
/// <param name="FormatVersion">Manifest format version.</param>
/// <param name="Name">Artifact name.</param>
/// <param name="Version">SemVer version.</param>
/// <param name="Status">passed, gate_failed or ungated (gates skipped, none, or nothing evaluated).</param>
/// <param name="Tool">Tool and library versions.</param>
/// <param name="Recipe">The recipe that produced it.</param>
/// <param name="Model">The input checkpoint.</param>
/// <param name="Environment">Environment name.</param>
/// <param name="Device">Device kind the numbers were measured on (cpu or cuda).</param>
/// <param name="Seeds">Every seed used.</param>
/// <param name="Quantization">The quantization applied.</param>
/// <param name="Sizes">Sizes of the packed weights versus fp32.</param>
/// <param name="Baseline">The full-precision evaluation, or null when evaluation was skipped.</param>
/// <param name="Quantized">The quantized model's evaluation, or null when evaluation was skipped.</param>
/// <param name="Gates">Gate verdicts in recipe order.</param>
/// <param name="Timings">Seconds per stage, as measured when each stage's result was computed (cached results keep theirs).</param>
/// <param name="Files">Every other file of the artifact with its hash.</param>
public sealed record ArtifactManifest(
    int FormatVersion,
    string Name,
    string Version,
    RunStatus Status,
    ToolInfo Tool,
    RecipeInfo Recipe,
    FileInfoEntry Model,
    string Environment,
    string Device,
    SeedInfo Seeds,
    QuantizationInfo Quantization,
    SizeInfo Sizes,
    EvaluationRecord? Baseline,
    EvaluationRecord? Quantized,
    IReadOnlyList<GateResult> Gates,
    IReadOnlyDictionary<string, double> Timings,
    IReadOnlyList<FileInfoEntry> Files)
{
    /// <summary>Current manifest format.</summary>
    public const int CurrentFormat = 1;

    /// <summary>
    /// The source model's other input files (its config YAML and normalization.json, repository-relative, hashed): what
    /// the artifact's config.json copies, so an audit can tie that copy to the files it came from. Null in manifests
    /// written before it existed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FileInfoEntry>? ModelFiles { get; init; }

    /// <summary>The release this artifact re-evaluates (a recipe's <c>model: { artifact: DIR }</c>), or null when it was quantized here.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SourceArtifactInfo? SourceArtifact { get; init; }

    /// <summary>File name inside an artifact.</summary>
    public const string FileName = "manifest.json";

    /// <summary>snake_case, indented, enums by the names their members declare (the recipe's spellings).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Reads a manifest (within <see cref="InputLimits.Manifest"/>); a file that cannot be used throws <see cref="InvalidDataException"/> saying why.</summary>
    public static ArtifactManifest Load(string path)
    {
        var (manifest, problem) = BoundedText.ReadJson<ArtifactManifest>(path, InputLimits.Manifest, JsonOptions);
        return manifest ?? throw new InvalidDataException(problem!.ToCanonicalString());
    }

    /// <summary>Reads the manifest of an artifact folder, or says why it cannot.</summary>
    public static (ArtifactManifest? Manifest, Diagnostic? Problem) TryLoadFolder(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return (null, Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, directory, $"not an artifact folder (no {FileName})"));
        }

        return BoundedText.ReadJson<ArtifactManifest>(path, InputLimits.Manifest, JsonOptions);
    }

    /// <summary>The manifest as written.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";
}

/// <summary>The existing artifact a run re-evaluated instead of quantizing.</summary>
/// <param name="Path">Its folder, relative to the repository.</param>
/// <param name="Name">Its name (from its manifest).</param>
/// <param name="Version">Its version.</param>
/// <param name="Digest">Its model files' digest (config.json and the weights), which also keys their evaluations.</param>
/// <param name="ManifestSha256">SHA-256 of its manifest.json as read.</param>
public sealed record SourceArtifactInfo(string Path, string Name, string Version, string Digest, string ManifestSha256);

/// <summary>Versions of the tool and its runtime.</summary>
/// <param name="Name">Tool name.</param>
/// <param name="Version">Tool version.</param>
/// <param name="TorchSharp">TorchSharp version.</param>
/// <param name="LibTorch">libtorch version.</param>
public sealed record ToolInfo(string Name, string Version, string TorchSharp, string LibTorch);

/// <summary>The recipe of an artifact.</summary>
/// <param name="Name">Recipe name.</param>
/// <param name="File">Path relative to the repository root.</param>
/// <param name="Sha256">Hash of the recipe file (bases listed in <paramref name="Sources"/>).</param>
/// <param name="Sources">Every recipe file read (the recipe, then its bases), relative, with hashes.</param>
/// <param name="Matrix">Matrix values of this combination.</param>
public sealed record RecipeInfo(string Name, string File, string Sha256, IReadOnlyList<FileInfoEntry> Sources, IReadOnlyDictionary<string, string> Matrix);

/// <summary>A file and its hash.</summary>
/// <param name="Path">Path (relative to the artifact, or to the repository for inputs).</param>
/// <param name="Sha256">Hex SHA-256.</param>
/// <param name="Bytes">Size in bytes.</param>
public sealed record FileInfoEntry(string Path, string Sha256, long Bytes);

/// <summary>Seeds of a run.</summary>
/// <param name="Recipe">The recipe's seed (planning noise, reservoirs).</param>
/// <param name="EvaluationSeedOffset">Evaluation episode n uses 99·n + this.</param>
/// <param name="EvaluationEpisodes">Evaluation episodes.</param>
/// <param name="CalibrationSeedOffset">Calibration episode n uses 99·n + this.</param>
/// <param name="CalibrationEpisodes">Calibration episodes (0 when the method needs none).</param>
public sealed record SeedInfo(long Recipe, int EvaluationSeedOffset, int EvaluationEpisodes, int CalibrationSeedOffset, int CalibrationEpisodes);

/// <summary>The quantization applied.</summary>
/// <param name="Method">Method name.</param>
/// <param name="Summary">One line in words.</param>
/// <param name="Layers">Per quantized layer: settings and errors.</param>
public sealed record QuantizationInfo(string Method, string Summary, IReadOnlyList<LayerEntry> Layers)
{
    /// <summary>The resolved <c>quantization:</c> section in recipe form: method, every method option, weights, activations, overrides.</summary>
    public System.Text.Json.Nodes.JsonObject? Settings { get; init; }
}

/// <summary>One quantized layer.</summary>
/// <param name="Name">State-dict name of the Linear.</param>
/// <param name="Bits">Weight bits.</param>
/// <param name="Granularity">Scale granularity: tensor, channel or group (none when only the input is quantized).</param>
/// <param name="GroupSize">Group size (0 without groups).</param>
/// <param name="Activations">Input quantization in words ("A8 per-token"), or "none".</param>
/// <param name="WeightMse">Mean squared weight error.</param>
/// <param name="OutputMse">Output MSE ‖XWᵀ − Q(X)Ŵᵀ‖²/n on held-out calibration tokens (ones the method did not fit on), when calibrated.</param>
/// <param name="RelativeOutputError">The same relative to ‖XWᵀ‖²: comparable across layers and methods.</param>
public sealed record LayerEntry(string Name, int Bits, string Granularity, int GroupSize, string Activations, double WeightMse, double? OutputMse, double? RelativeOutputError = null);

/// <summary>Sizes of an artifact's weights.</summary>
/// <param name="Fp32Bytes">Bytes of the whole model in fp32.</param>
/// <param name="PackedBytes">Bytes of the tensors in the packed file.</param>
/// <param name="QuantizedWeights">Number of quantized weights.</param>
/// <param name="EffectiveBitsPerQuantizedWeight">Storage bits (codes, scales, zero points) per quantized weight.</param>
/// <param name="Reduction">fp32 bytes / packed bytes.</param>
public sealed record SizeInfo(long Fp32Bytes, long PackedBytes, long QuantizedWeights, double EffectiveBitsPerQuantizedWeight, double Reduction);
