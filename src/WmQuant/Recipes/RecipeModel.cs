using System.Text.Json.Serialization;
using WmQuant.Gates;
using WmQuant.Planning;
using WmQuant.Quantization.Model;
using WmQuant.Runtime;

namespace WmQuant.Recipes;

/// <summary>
/// One fully resolved, validated recipe: every default filled in, every path absolute, every concept in its domain's
/// own type (the quantizer's request, the planner's kind, the gates' specs). A matrix recipe yields one per combination.
/// </summary>
/// <param name="Name">Recipe name; for a matrix combination the base name plus its values (wall-sweep-4-group).</param>
/// <param name="Description">Free text, or null.</param>
/// <param name="SourceFile">Full path of the recipe file that was loaded.</param>
/// <param name="Model">The model to quantize.</param>
/// <param name="Environment">The registered environment to calibrate and evaluate in (see <see cref="Environments.EnvironmentCatalog"/>).</param>
/// <param name="Device">The requested device.</param>
/// <param name="Seed">Seed of every random choice in the run.</param>
/// <param name="Calibration">How calibration data is collected.</param>
/// <param name="Quantization">What is quantized and how.</param>
/// <param name="Evaluation">How models are evaluated.</param>
/// <param name="Gates">Checks that fail the build.</param>
/// <param name="Artifact">The versioned output.</param>
/// <param name="MatrixValues">The matrix settings that made this combination (empty without a matrix).</param>
public sealed record Recipe(
    string Name,
    string? Description,
    string SourceFile,
    ModelSpec Model,
    string Environment,
    DeviceRequest Device,
    long Seed,
    CalibrationSpec Calibration,
    QuantizationRequest Quantization,
    EvaluationSpec Evaluation,
    IReadOnlyList<GateSpec> Gates,
    ArtifactSpec Artifact,
    IReadOnlyList<MatrixAssignment> MatrixValues)
{
    /// <summary>The <c>search:</c> section <c>wmq tune</c> runs, or null; every other command ignores it.</summary>
    public Tuning.SearchSpec? Search { get; init; }
}

/// <summary>
/// The model files; paths are absolute after resolution against the recipe's folder. A recipe names a checkpoint to
/// quantize, or an existing quantized artifact to re-evaluate (with its source checkpoint when gates compare with the
/// FP model); at least one of the two.
/// </summary>
/// <param name="Checkpoint">safetensors state dict, or null when only an artifact is named.</param>
/// <param name="Config">Model config YAML of the checkpoint, or null for the config beside the checkpoint.</param>
/// <param name="Artifact">A quantized artifact folder evaluated as it is instead of quantizing, or null.</param>
public sealed record ModelSpec(string? Checkpoint, string? Config, string? Artifact = null)
{
    /// <summary>True when the recipe re-evaluates an existing artifact instead of quantizing.</summary>
    [JsonIgnore]
    public bool IsArtifact => Artifact is not null;
}

/// <summary>Calibration data collection.</summary>
/// <param name="Episodes">Episodes planned by the FP model.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + offset.</param>
/// <param name="MpcIterations">MPC iterations per episode.</param>
public sealed record CalibrationSpec(int Episodes, int SeedOffset, int MpcIterations);

/// <summary>Evaluation settings.</summary>
/// <param name="Episodes">Episodes, paired by seed between FP and quantized.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + offset.</param>
/// <param name="Planner">The planner, profile defaults filled in.</param>
/// <param name="Precision">The arithmetic both models plan in.</param>
public sealed record EvaluationSpec(int Episodes, int SeedOffset, PlannerSpec Planner, PlanningPrecision Precision = PlanningPrecision.Fp32);

/// <summary>A planner configuration.</summary>
/// <param name="Profile">The defaults profile it started from (default or cpu).</param>
/// <param name="Kind">CEM or GD, MPC or open loop.</param>
/// <param name="Horizon">Planned model steps.</param>
/// <param name="Samples">CEM samples per step.</param>
/// <param name="TopK">CEM elites.</param>
/// <param name="OptSteps">Optimisation steps per plan.</param>
/// <param name="MaxIterations">Cap on MPC iterations.</param>
/// <param name="Alpha">Weight of the proprio term of the objective.</param>
/// <param name="Sigma">CEM's initial standard deviation in normalised action units (study: 1).</param>
/// <param name="MaxBatch">
/// Most rollout rows (episodes × samples) per model call; 0: automatic (all at once when they fit in memory). Left out
/// of the JSON the evaluation cache key hashes while 0, so recipes that do not set it keep the keys they had before the
/// setting existed; a set value enters it (on a GPU the batch shape can change results in rounding).
/// </param>
public sealed record PlannerSpec(
    string Profile,
    PlannerKind Kind,
    int Horizon,
    int Samples,
    int TopK,
    int OptSteps,
    int MaxIterations,
    double Alpha,
    double Sigma = 1.0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int MaxBatch = 0);

/// <summary>Artifact output formats; the names are the recipe's (<c>artifact.formats</c>).</summary>
public enum ArtifactFormat
{
    /// <summary>The artifact folder with packed safetensors.</summary>
    [JsonStringEnumMemberName("safetensors")]
    Safetensors,

    /// <summary>A NuGet package of the folder.</summary>
    [JsonStringEnumMemberName("nupkg")]
    Nupkg,
}

/// <summary>The versioned output.</summary>
/// <param name="Name">Artifact name.</param>
/// <param name="Version">SemVer version.</param>
/// <param name="Formats">Formats to emit.</param>
public sealed record ArtifactSpec(string Name, string Version, IReadOnlyList<ArtifactFormat> Formats);

/// <summary>One matrix setting of a combination.</summary>
/// <param name="Path">The dotted setting path.</param>
/// <param name="Value">The value, as written (mappings flattened to their scalars joined with '-').</param>
public sealed record MatrixAssignment(string Path, string Value);
