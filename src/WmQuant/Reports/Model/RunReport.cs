namespace WmQuant.Reports.Model;

/// <summary>
/// Everything a run report shows, as plain values, so the pipeline fills it from whatever it
/// measured and the report writer needs no knowledge of models, tensors or gates.
/// Empty series mean "not measured in this run": their plot is skipped and the text says so.
/// </summary>
public sealed record RunReport
{
    /// <summary>Heading of the report (e.g. "wall-w4-g128 1.2.0").</summary>
    public required string Title { get; init; }

    /// <summary>Recipe the run came from, as the user knows it (file name or recipe name).</summary>
    public string RecipeName { get; init; } = "";

    /// <summary>Artifact name, so a report copied out of its folder still says what it describes.</summary>
    public string ArtifactName { get; init; } = "";

    /// <summary>Artifact SemVer version.</summary>
    public string ArtifactVersion { get; init; } = "";

    /// <summary>One-line description of the quantization (e.g. "RTN W4 g128 symmetric, predictor only").</summary>
    public string QuantizationSummary { get; init; } = "";

    /// <summary>Device the evaluation ran on; results are only comparable on the same kind.</summary>
    public string Device { get; init; } = "";

    /// <summary>Headline metrics, FP baseline next to quantized.</summary>
    public IReadOnlyList<MetricRow> Metrics { get; init; } = [];

    /// <summary>Success rates with their confidence intervals (baseline, quantized, …).</summary>
    public IReadOnlyList<SuccessInterval> SuccessIntervals { get; init; } = [];

    /// <summary>Every evaluation seed with the FP and quantized outcomes, in seed order; empty when nothing was evaluated.</summary>
    public IReadOnlyList<EpisodeRow> Episodes { get; init; } = [];

    /// <summary>Model sizes before and after packing; null when unknown.</summary>
    public SizeSummary? Sizes { get; init; }

    /// <summary>Tool, inputs and evaluation settings behind the numbers; null when unknown.</summary>
    public RunProvenance? Provenance { get; init; }

    /// <summary>Gate verdicts; any row that did not pass marks the whole report FAILED.</summary>
    public IReadOnlyList<GateRow> Gates { get; init; } = [];

    /// <summary>Success rate per quantization setting, for the success-vs-bits plot (one point for a single run).</summary>
    public IReadOnlyList<SuccessBitsPoint> SuccessVsBits { get; init; } = [];

    /// <summary>The FP model's success rate, drawn as the reference line (with its interval as a band) on the success-vs-bits plot.</summary>
    public SuccessInterval? FpReference { get; init; }

    /// <summary>Planning loss per CEM optimisation step (mean over episodes, first MPC iteration), one series per model.</summary>
    public IReadOnlyList<LossSeries> LossPerCemStep { get; init; } = [];

    /// <summary>Planning loss per MPC iteration, one series per model.</summary>
    public IReadOnlyList<LossSeries> LossPerMpcIteration { get; init; } = [];

    /// <summary>Every quantizable layer with its settings, weight and held-out output errors, in model order.</summary>
    public IReadOnlyList<LayerRow> Layers { get; init; } = [];

    /// <summary>Change in planning loss when only one layer is quantized; any order (the report sorts).</summary>
    public IReadOnlyList<LayerSensitivity> LayerSensitivity { get; init; } = [];

    /// <summary>Decoder reconstructions (real, FP-predicted, quantized-predicted frames); null when not produced.</summary>
    public ReconstructionFigure? Reconstructions { get; init; }

    /// <summary>The seed-by-seed comparison of <see cref="Episodes"/>; null when no seed was played by both models.</summary>
    public PairedSuccess? Paired => PairedSuccess.Of(Episodes);

    /// <summary>Gates that did not pass, in the order given.</summary>
    public IReadOnlyList<GateRow> FailedGates => [.. Gates.Where(gate => !gate.Passed)];

    /// <summary>Whether the run failed at least one gate (the report then says FAILED at the top).</summary>
    public bool Failed => Gates.Any(gate => !gate.Passed);
}
