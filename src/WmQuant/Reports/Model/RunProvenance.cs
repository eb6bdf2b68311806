namespace WmQuant.Reports.Model;

/// <summary>Where a report's numbers come from: the tool, the inputs with their hashes, and how each model was evaluated.</summary>
public sealed record RunProvenance
{
    /// <summary>Tool name and version (e.g. "wmq 0.1.0").</summary>
    public string Tool { get; init; } = "";

    /// <summary>Source commit the tool was built from; empty when not recorded.</summary>
    public string Commit { get; init; } = "";

    /// <summary>Tensor runtime versions (e.g. "TorchSharp 0.107.0, libtorch 2.10.0").</summary>
    public string Runtime { get; init; } = "";

    /// <summary>Recipe file as the user knows it.</summary>
    public string Recipe { get; init; } = "";

    /// <summary>SHA-256 of the recipe file.</summary>
    public string RecipeSha256 { get; init; } = "";

    /// <summary>Input checkpoint.</summary>
    public string Model { get; init; } = "";

    /// <summary>SHA-256 of the input checkpoint.</summary>
    public string ModelSha256 { get; init; } = "";

    /// <summary>Digest of the packed artifact (config.json and its weight files): the weights the quantized evaluation used.</summary>
    public string ArtifactDigest { get; init; } = "";

    /// <summary>Calibration in words (episodes, seeds, MPC iterations); empty when none ran.</summary>
    public string Calibration { get; init; } = "";

    /// <summary>How each model was evaluated, FP baseline first.</summary>
    public IReadOnlyList<EvaluationSetup> Evaluations { get; init; } = [];
}

/// <summary>The settings of one evaluation: what a rerun must match to reproduce it.</summary>
/// <param name="Label">Which model (e.g. "FP baseline").</param>
/// <param name="WeightsSha256">Hash of the weights evaluated.</param>
/// <param name="Planner">Planner kind (e.g. "mpc-cem").</param>
/// <param name="Horizon">Actions per plan.</param>
/// <param name="MpcIterations">MPC iteration cap.</param>
/// <param name="Samples">Candidate plans per optimisation step.</param>
/// <param name="TopK">Elites kept per step.</param>
/// <param name="OptSteps">Optimisation steps per plan.</param>
/// <param name="Episodes">Episodes evaluated.</param>
/// <param name="Seeds">Episode seeds in words (e.g. "99·n + 1: 1, 100, …, 4852").</param>
/// <param name="PlanningSeed">Seed of the planning noise.</param>
/// <param name="Precision">Arithmetic planning ran in (fp32, tf32, bf16).</param>
/// <param name="Device">Device kind it ran on.</param>
public sealed record EvaluationSetup(
    string Label,
    string WeightsSha256,
    string Planner,
    int Horizon,
    int MpcIterations,
    int Samples,
    int TopK,
    int OptSteps,
    int Episodes,
    string Seeds,
    long PlanningSeed,
    string Precision,
    string Device);
