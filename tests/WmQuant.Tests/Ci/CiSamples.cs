using WmQuant.Diagnostics;
using WmQuant.Cli.Ci;
using WmQuant.Gates;
using WmQuant.Recipes;

namespace WmQuant.Tests.Ci;

/// <summary>Hand-made verdicts (independent of the statistics) for the CI output tests.</summary>
internal static class CiSamples
{
    public const string Repo = "/repo";

    public static GateVerdict Failed(string message = "success_rate 0.80 < min 0.85 (95% Wilson [0.67, 0.89])", string file = "/repo/quantize.yaml") =>
        new(GateMetric.SuccessRate, GateKind.Min, GateOutcome.Failed, 0.8, 0.8, 0.85, 0.95, GateTest.WilsonInterval,
            new ValueInterval(0.67, 0.89), null, null, new SourcePosition(file, 22, 5), message);

    public static GateVerdict NotJudged(string message = "no baseline | run") =>
        new(GateMetric.SuccessRate, GateKind.MaxDropVsBaseline, GateOutcome.Error, null, null, 0, 0.95, GateTest.None,
            null, null, null, new SourcePosition("/repo/quantize.yaml", 23, 5), message);

    public static GateVerdict Passed() =>
        new(GateMetric.StateDistance, GateKind.Max, GateOutcome.Passed, 0.9, 0.9, 1.0, 0.95, GateTest.StudentTInterval,
            new ValueInterval(0.8, 1.0), null, null, new SourcePosition("/repo/quantize.yaml", 24, 5), "state_distance 0.900 <= max 1.000 (95% Student-t [0.800, 1.000])");

    public static CiRunSummary Run(params GateVerdict[] verdicts) => new(
        "wall-w4g128",
        "artifacts/wall-w4g128/1.0.0",
        [new MetricComparison("success_rate", 0.96, 0.8), new MetricComparison("state_distance", 0.4123, 0.9)],
        verdicts);
}
