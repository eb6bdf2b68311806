using System.Text.Json.Serialization;
using WmQuant.Runtime;

namespace WmQuant.Recipes;

/// <summary>One fully resolved, validated recipe: every default filled in, every path absolute. A matrix recipe yields one per combination.</summary>
/// <param name="Name">Recipe name; for a matrix combination the base name plus its values (wall-sweep-4-group).</param>
/// <param name="Description">Free text, or null.</param>
/// <param name="SourceFile">Full path of the recipe file that was loaded.</param>
/// <param name="Model">The model to quantize.</param>
/// <param name="Environment">The environment to calibrate and evaluate in.</param>
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
    EnvironmentKind Environment,
    DeviceRequest Device,
    long Seed,
    CalibrationSpec Calibration,
    QuantizationSpec Quantization,
    EvaluationSpec Evaluation,
    IReadOnlyList<GateSpec> Gates,
    ArtifactSpec Artifact,
    IReadOnlyList<MatrixAssignment> MatrixValues);

/// <summary>The environments a recipe can name.</summary>
public enum EnvironmentKind
{
    /// <summary>DotWall: a dot must pass a door in a wall.</summary>
    [JsonStringEnumMemberName("wall")]
    Wall,

    /// <summary>PushT: push a T-shaped block to a goal pose.</summary>
    [JsonStringEnumMemberName("pusht")]
    PushT,

    /// <summary>PointMaze: a point mass in a U-maze.</summary>
    PointMaze,
}

/// <summary>The model files; paths are absolute after resolution against the recipe's folder.</summary>
/// <param name="Checkpoint">safetensors state dict.</param>
/// <param name="Config">Model config YAML, or null for the config beside the checkpoint.</param>
public sealed record ModelSpec(string Checkpoint, string? Config);

/// <summary>Calibration data collection.</summary>
/// <param name="Episodes">Episodes planned by the FP model.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + offset.</param>
/// <param name="MpcIterations">MPC iterations per episode.</param>
public sealed record CalibrationSpec(int Episodes, int SeedOffset, int MpcIterations);

/// <summary>Quantization methods.</summary>
public enum QuantizationMethod
{
    /// <summary>Round to nearest.</summary>
    [JsonStringEnumMemberName("rtn")]
    Rtn,

    /// <summary>Range search minimising the quantization MSE.</summary>
    [JsonStringEnumMemberName("omse")]
    Omse,

    /// <summary>Activation-aware weight scaling (weights only).</summary>
    [JsonStringEnumMemberName("awq")]
    Awq,

    /// <summary>Difficulty migration from activations to weights.</summary>
    [JsonStringEnumMemberName("smoothquant")]
    SmoothQuant,

    /// <summary>Learned clipping and equivalent transformations, block by block.</summary>
    [JsonStringEnumMemberName("omniquant")]
    OmniQuant,

    /// <summary>Hessian-based error feedback (weights only).</summary>
    Gptq,
}

/// <summary>How weight scales are shared.</summary>
public enum WeightGranularity
{
    /// <summary>One scale per output channel.</summary>
    [JsonStringEnumMemberName("channel")]
    Channel,

    /// <summary>One scale per group of inputs of each output channel.</summary>
    Group,
}

/// <summary>How activation ranges are chosen.</summary>
public enum ActivationGranularity
{
    /// <summary>Static ranges calibrated once per tensor.</summary>
    [JsonStringEnumMemberName("per-tensor")]
    PerTensor,

    /// <summary>Dynamic ranges per token.</summary>
    PerToken,
}

/// <summary>What is quantized and how.</summary>
/// <param name="Method">The method.</param>
/// <param name="Weights">Recipe-wide weight settings.</param>
/// <param name="Activations">Recipe-wide activation settings; null means weights only.</param>
/// <param name="Modules">Per-module overrides, in recipe order, already merged with the recipe-wide settings.</param>
/// <param name="Options">Method options (every block, defaults filled; only the chosen method's is used).</param>
public sealed record QuantizationSpec(
    QuantizationMethod Method,
    WeightSpec Weights,
    ActivationSpec? Activations,
    IReadOnlyList<ModuleOverride> Modules,
    MethodOptions Options);

/// <summary>Weight quantization of a set of Linears.</summary>
/// <param name="Bits">2-8, or 16 for float (bypass).</param>
/// <param name="Granularity">Per channel or per group.</param>
/// <param name="GroupSize">Inputs per group (meaningful for <see cref="WeightGranularity.Group"/>).</param>
/// <param name="Symmetric">Symmetric codes without a zero point.</param>
public sealed record WeightSpec(int Bits, WeightGranularity Granularity, int GroupSize, bool Symmetric)
{
    /// <summary>True when 16 bits keep the weights in float.</summary>
    public bool IsBypass => Bits == 16;
}

/// <summary>Activation quantization of the inputs of a set of Linears.</summary>
/// <param name="Bits">2-8, or 16 for float.</param>
/// <param name="Granularity">Per tensor (static) or per token (dynamic).</param>
public sealed record ActivationSpec(int Bits, ActivationGranularity Granularity);

/// <summary>Settings for the modules a group name or glob selects.</summary>
/// <param name="Selector">A module group (encoder, predictor, action_encoder, proprio_encoder, decoder) or a glob on layer names.</param>
/// <param name="IsGlob">True for a glob on layer names, false for a group.</param>
/// <param name="Weights">Weight settings, recipe-wide values filled in where the override is silent.</param>
/// <param name="Activations">Activation settings; null means not quantized.</param>
/// <param name="Position">Where the override's key is written.</param>
public sealed record ModuleOverride(string Selector, bool IsGlob, WeightSpec Weights, ActivationSpec? Activations, SourcePosition Position);

/// <summary>Method options; each block has its defaults filled in.</summary>
/// <param name="Awq">AWQ options.</param>
/// <param name="Omse">OMSE options.</param>
/// <param name="SmoothQuant">SmoothQuant options.</param>
/// <param name="OmniQuant">OmniQuant options.</param>
/// <param name="Gptq">GPTQ options.</param>
public sealed record MethodOptions(AwqOptions Awq, OmseOptions Omse, SmoothQuantOptions SmoothQuant, OmniQuantOptions OmniQuant, GptqOptions Gptq);

/// <summary>AWQ options.</summary>
/// <param name="Grid">Points of the scale-exponent grid.</param>
/// <param name="ClipSearch">Search clipping after scaling.</param>
public sealed record AwqOptions(int Grid, bool ClipSearch);

/// <summary>OMSE options.</summary>
/// <param name="Candidates">Shrink factors tried per channel or group.</param>
public sealed record OmseOptions(int Candidates);

/// <summary>SmoothQuant options.</summary>
/// <param name="Alpha">Migration strength in [0, 1].</param>
/// <param name="SearchAlpha">Search alpha on calibration data.</param>
public sealed record SmoothQuantOptions(double Alpha, bool SearchAlpha);

/// <summary>OmniQuant options.</summary>
/// <param name="Epochs">Epochs per block.</param>
/// <param name="LwcLearningRate">Learnable weight clipping learning rate.</param>
/// <param name="LetLearningRate">Learnable equivalent transformation learning rate.</param>
/// <param name="Lwc">Learn clipping.</param>
/// <param name="Let">Learn scale/shift.</param>
public sealed record OmniQuantOptions(int Epochs, double LwcLearningRate, double LetLearningRate, bool Lwc, bool Let);

/// <summary>GPTQ options.</summary>
/// <param name="Damp">Hessian dampening fraction.</param>
/// <param name="BlockSize">Columns per block.</param>
/// <param name="ActOrder">Quantize columns by decreasing Hessian diagonal.</param>
public sealed record GptqOptions(double Damp, int BlockSize, bool ActOrder);

/// <summary>Evaluation settings.</summary>
/// <param name="Episodes">Episodes, paired by seed between FP and quantized.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + offset.</param>
/// <param name="Planner">The planner, profile defaults filled in.</param>
public sealed record EvaluationSpec(int Episodes, int SeedOffset, PlannerSpec Planner);

/// <summary>Planner kinds.</summary>
public enum PlannerKind
{
    /// <summary>CEM, re-planned after every horizon.</summary>
    [JsonStringEnumMemberName("mpc-cem")]
    MpcCem,

    /// <summary>CEM, planned once.</summary>
    [JsonStringEnumMemberName("open-loop-cem")]
    OpenLoopCem,

    /// <summary>Gradient descent, re-planned after every horizon.</summary>
    [JsonStringEnumMemberName("mpc-gd")]
    MpcGd,

    /// <summary>Gradient descent, planned once.</summary>
    OpenLoopGd,
}

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
public sealed record PlannerSpec(string Profile, PlannerKind Kind, int Horizon, int Samples, int TopK, int OptSteps, int MaxIterations, double Alpha, double Sigma = 1.0);

/// <summary>Metrics gates can test.</summary>
public enum GateMetric
{
    /// <summary>Fraction of successful episodes.</summary>
    [JsonStringEnumMemberName("success_rate")]
    SuccessRate,

    /// <summary>Mean final distance to the goal state.</summary>
    [JsonStringEnumMemberName("state_distance")]
    StateDistance,

    /// <summary>Final planning objective.</summary>
    [JsonStringEnumMemberName("planning_loss")]
    PlanningLoss,

    /// <summary>Imagined-vs-real latent gap.</summary>
    [JsonStringEnumMemberName("latent_gap")]
    LatentGap,

    /// <summary>Open-loop latent drift versus the FP model.</summary>
    LatentDrift,
}

/// <summary>One gate; exactly one of <see cref="Min"/>, <see cref="Max"/>, <see cref="MaxDropVsBaseline"/> is set.</summary>
/// <param name="Metric">The metric tested.</param>
/// <param name="Min">Fail below this.</param>
/// <param name="Max">Fail above this.</param>
/// <param name="MaxDropVsBaseline">Fail when the drop versus the baseline exceeds this.</param>
/// <param name="Confidence">Confidence of the bound judged.</param>
/// <param name="BaselineManifest">Absolute path of a previous release's manifest, or null for the FP model of the same run.</param>
/// <param name="Position">Where the gate is written, so a failed gate names its recipe line.</param>
public sealed record GateSpec(
    GateMetric Metric,
    double? Min,
    double? Max,
    double? MaxDropVsBaseline,
    double Confidence,
    string? BaselineManifest,
    SourcePosition Position);

/// <summary>Artifact output formats.</summary>
public enum ArtifactFormat
{
    /// <summary>The artifact folder with packed safetensors.</summary>
    [JsonStringEnumMemberName("safetensors")]
    Safetensors,

    /// <summary>A NuGet package of the folder.</summary>
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

/// <summary>Input widths of the Linears a recipe quantizes, so group sizes can be checked against the model.</summary>
public interface IModelShapeInfo
{
    /// <summary>The widest input (K) of any quantized Linear.</summary>
    int MaxLinearInputWidth { get; }

    /// <summary>Every distinct input width of the quantized Linears.</summary>
    IReadOnlyList<int> LinearInputWidths { get; }
}
