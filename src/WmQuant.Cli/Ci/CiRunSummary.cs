using WmQuant.Gates;

namespace WmQuant.Cli.Ci;

/// <summary>One key metric of the FP baseline and the quantized model, shown side by side in CI summaries.</summary>
/// <param name="Name">Metric name (success_rate, state_distance, ...).</param>
/// <param name="Baseline">FP baseline value, or null when not measured.</param>
/// <param name="Candidate">Quantized model value, or null when not measured.</param>
public sealed record MetricComparison(string Name, double? Baseline, double? Candidate);

/// <summary>
/// What CI outputs say about one recipe run: which recipe, where its artifact went, the headline metrics and the
/// gate verdicts. Plain data, so the CLI, a Cake script or a test can build one.
/// </summary>
/// <param name="RecipeName">Recipe (or matrix combination) name.</param>
/// <param name="ArtifactFolder">Where the artifact was written, as it should be shown (relative to the repository where possible).</param>
/// <param name="Metrics">Key metrics, FP vs quantized, in display order.</param>
/// <param name="Verdicts">Gate verdicts in recipe order.</param>
public sealed record CiRunSummary(string RecipeName, string ArtifactFolder, IReadOnlyList<MetricComparison> Metrics, IReadOnlyList<GateVerdict> Verdicts)
{
    /// <summary>Gates that failed.</summary>
    public int Failed => Verdicts.Count(v => v.Outcome == GateOutcome.Failed);

    /// <summary>Gates that could not be judged.</summary>
    public int NotJudged => Verdicts.Count(v => v.Outcome == GateOutcome.Error);

    /// <summary>True when every gate passed (a run with no gates passes).</summary>
    public bool Passed => Failed == 0 && NotJudged == 0;
}
