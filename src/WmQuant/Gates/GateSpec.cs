using WmQuant.Diagnostics;

namespace WmQuant.Gates;

/// <summary>One gate; exactly one of <see cref="Min"/>, <see cref="Max"/>, <see cref="MaxDropVsBaseline"/> is set.</summary>
/// <param name="Metric">The metric tested.</param>
/// <param name="Min">Fail below this.</param>
/// <param name="Max">Fail above this.</param>
/// <param name="MaxDropVsBaseline">Fail when the drop versus the baseline exceeds this.</param>
/// <param name="Confidence">Confidence of the bound judged.</param>
/// <param name="BaselineManifest">Absolute path of a previous release's manifest, or null for the FP model of the same run.</param>
/// <param name="Position">Where the gate is written, so a failed gate names its recipe line; null for a gate from the command line.</param>
public sealed record GateSpec(
    GateMetric Metric,
    double? Min,
    double? Max,
    double? MaxDropVsBaseline,
    double Confidence,
    string? BaselineManifest,
    SourcePosition? Position)
{
    /// <summary>Which threshold the gate sets (the first set, for a gate validation would refuse).</summary>
    public GateKind Kind => Min is not null ? GateKind.Min : Max is not null ? GateKind.Max : GateKind.MaxDropVsBaseline;

    /// <summary>The threshold the gate sets.</summary>
    public double Threshold => Min ?? Max ?? MaxDropVsBaseline ?? 0;
}
