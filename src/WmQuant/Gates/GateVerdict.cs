using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Naming;

namespace WmQuant.Gates;

/// <summary>A two-sided confidence interval reported beside a point estimate.</summary>
/// <param name="Lower">Lower end.</param>
/// <param name="Upper">Upper end.</param>
public readonly record struct ValueInterval(double Lower, double Upper);

/// <summary>Seed-by-seed success counts of a candidate against its baseline: only the discordant seeds carry evidence.</summary>
/// <param name="Pairs">Seeds in both runs.</param>
/// <param name="Lost">Seeds the baseline solved and the candidate did not.</param>
/// <param name="Gained">Seeds the candidate solved and the baseline did not.</param>
public readonly record struct PairedCounts(int Pairs, int Lost, int Gained);

/// <summary>
/// The judgement of one recipe gate: what was measured, the bound the decision used, and where the gate is
/// written, so a failed build points at the recipe line.
/// </summary>
/// <param name="Metric">The metric tested.</param>
/// <param name="Kind">Which threshold.</param>
/// <param name="Outcome">Passed, failed, or could not be judged.</param>
/// <param name="Value">Measured value: the candidate's metric for min/max, the observed drop (worse direction positive) for regressions; null when not measurable.</param>
/// <param name="Bound">The number compared with the threshold: the value itself for min/max, the one-sided lower confidence bound of the drop for regressions.</param>
/// <param name="Threshold">The recipe's threshold (min, max, or allowed drop δ).</param>
/// <param name="Confidence">Confidence level of the reported interval (min/max) or of the bound (regressions).</param>
/// <param name="Test">How the verdict was computed.</param>
/// <param name="Interval">Two-sided interval of the candidate's metric (min/max gates with per-episode values), else null.</param>
/// <param name="Pairs">Paired counts (success-rate regressions), else null.</param>
/// <param name="PValue">One-sided p-value where the test gives one cheaply (exact McNemar), else null.</param>
/// <param name="Position">Where the gate is written in the recipe; null for a gate given on the command line.</param>
/// <param name="Message">One line for people: value, threshold and evidence.</param>
public sealed record GateVerdict(
    GateMetric Metric,
    GateKind Kind,
    GateOutcome Outcome,
    double? Value,
    double? Bound,
    double Threshold,
    double Confidence,
    GateTest Test,
    ValueInterval? Interval,
    PairedCounts? Pairs,
    double? PValue,
    SourcePosition? Position,
    string Message)
{
    /// <summary>Recipe spelling of the metric.</summary>
    public string MetricName => Names.Of(Metric);

    /// <summary>Recipe spelling of the kind.</summary>
    public string KindName => Names.Of(Kind);

    /// <summary>"passed", "failed" or "error": how manifests and JSON output spell the outcome.</summary>
    public string OutcomeName => Names.Of(Outcome);

    /// <summary>WMQ4001 for a failure, WMQ4002 for a gate that could not be judged, null when passed.</summary>
    public string? Code => Outcome switch
    {
        GateOutcome.Failed => DiagnosticCodes.GateFailed,
        GateOutcome.Error => DiagnosticCodes.GateNotJudged,
        _ => null,
    };

    /// <summary>A short title: "gate success_rate min failed".</summary>
    public string Title => Outcome switch
    {
        GateOutcome.Failed => $"gate {MetricName} {KindName} failed",
        GateOutcome.Error => $"gate {MetricName} {KindName} could not be judged",
        _ => $"gate {MetricName} {KindName} passed",
    };

    /// <summary>The verdict as a diagnostic (WMQ4001, WMQ4002) at the gate's line, or null for a passed gate.</summary>
    public Diagnostic? ToDiagnostic() => Code is { } code ? Diagnostic.Error(code, $"{Title}: {Message}", Position) : null;

    /// <summary>The verdict as contract data, the gate's location relative to <paramref name="baseDirectory"/>.</summary>
    public GateResult ToResult(string? baseDirectory) => new()
    {
        Metric = MetricName,
        Kind = KindName,
        Value = Value,
        Bound = Bound,
        Threshold = Threshold,
        Confidence = Confidence,
        Verdict = OutcomeName,
        Message = Message,
        Location = Position?.Format(baseDirectory) ?? "command line",
    };
}
