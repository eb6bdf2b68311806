namespace WmQuant.Build.Results;

/// <summary>
/// The object `wmq run --json` prints: the only channel through which the task learns which artifacts were written
/// and what the gates said (stderr is for people and for MSBuild's error lines).
/// </summary>
internal sealed class RunReport
{
    /// <summary>passed, gate_failed, invalid_input or runtime_failure.</summary>
    public string Status { get; init; } = "";

    /// <summary>Problems that stopped the run before any recipe finished.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>One entry per recipe that ran (a matrix recipe gives several).</summary>
    public IReadOnlyList<RecipeRunReport> Recipes { get; init; } = [];
}

/// <summary>The outcome of one resolved recipe, as `wmq run --json` reports it.</summary>
internal sealed class RecipeRunReport
{
    /// <summary>Resolved recipe name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Passed, GateFailed or InvalidInput.</summary>
    public string Status { get; init; } = "";

    /// <summary>The artifact folder written, if any.</summary>
    public string? ArtifactDirectory { get; init; }

    /// <summary>Its manifest.json, if any.</summary>
    public string? Manifest { get; init; }

    /// <summary>Canonical error lines for this recipe.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Stages answered from wmq's stage cache.</summary>
    public IReadOnlyList<string> CacheHits { get; init; } = [];

    /// <summary>Gate verdicts (null when nothing was written).</summary>
    public IReadOnlyList<GateReport>? Gates { get; init; }
}

/// <summary>One gate verdict.</summary>
internal sealed class GateReport
{
    /// <summary>Metric judged, e.g. success_rate.</summary>
    public string Metric { get; init; } = "";

    /// <summary>min, max or max_drop_vs_baseline.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Measured value, when there was one.</summary>
    public double? Value { get; init; }

    /// <summary>The confidence bound judged, when there was one.</summary>
    public double? Bound { get; init; }

    /// <summary>The recipe's threshold.</summary>
    public double Threshold { get; init; }

    /// <summary>Confidence of the bound.</summary>
    public double Confidence { get; init; }

    /// <summary>passed, failed, error or skipped.</summary>
    public string Verdict { get; init; } = "";

    /// <summary>What was compared.</summary>
    public string Message { get; init; } = "";

    /// <summary>Where the gate is written, file(line,col).</summary>
    public string? Location { get; init; }
}
