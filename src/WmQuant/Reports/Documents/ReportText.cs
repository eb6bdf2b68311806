using System.Globalization;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Documents;

/// <summary>
/// The words and numbers both documents print, in one place so the markdown and HTML reports
/// cannot disagree. Numbers are culture-invariant (reports must not change with the machine's locale).
/// </summary>
internal static class ReportText
{
    /// <summary>Shown for a value that was not measured.</summary>
    public const string Missing = "—";

    /// <summary>Marker of a failed gate row, text rather than colour only.</summary>
    public const string FailedMark = "✗ FAILED";

    /// <summary>Marker of a passed gate row.</summary>
    public const string PassedMark = "✓ passed";

    /// <summary>The metrics table's columns.</summary>
    public static readonly TableColumns MetricColumns = new(["Metric", "FP baseline", "Quantized", "Change"], [1, 2, 3]);

    /// <summary>The success-interval table's columns.</summary>
    public static readonly TableColumns IntervalColumns = new(["Model", "Successes", "Episodes", "Rate", "Interval", "Method"], [1, 2, 3, 4]);

    /// <summary>The gate table's columns (the first is the pass/fail marker).</summary>
    public static readonly TableColumns GateColumns = new(["Result", "Metric", "Kind", "Value", "Bound", "Threshold", "Verdict", "Recipe"], [3, 4, 5]);

    /// <summary>The per-layer table's columns.</summary>
    public static readonly TableColumns LayerColumns = new(["Layer", "Weights", "Inputs", "Weight MSE", "Relative output error (held out)"], [3, 4]);

    /// <summary>The per-layer table's heading and what its numbers mean.</summary>
    public const string LayerHeading = "Per-layer error";

    /// <summary>Shown under the per-layer table.</summary>
    public const string LayerNote =
        "Relative output error: ‖XWᵀ − Q(X)Ŵᵀ‖² / ‖XWᵀ‖² on calibration tokens the method did not fit on (held out), in the quantized model's own basis.";

    /// <summary>The success-vs-bits point table's columns.</summary>
    public static readonly TableColumns PointColumns = new(["Setting", "Group", "Bits", "Success", "Interval"], [2, 3, 4]);

    /// <summary>The cells of one per-layer row.</summary>
    public static string[] LayerCells(LayerRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return [row.Name, row.Weights, row.Activations, Number(row.WeightMse), Number(row.RelativeOutputError)];
    }

    /// <summary>A number with four significant digits ("n/a" for NaN).</summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? "n/a" : value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>A number, or <see cref="Missing"/>.</summary>
    public static string Number(double? value) => value is { } v ? Number(v) : Missing;

    /// <summary>A change with its sign always shown (+0.02, −0.1), or <see cref="Missing"/>.</summary>
    public static string Change(double? value) => value switch
    {
        null => Missing,
        { } v when double.IsNaN(v) => "n/a",
        { } v when v > 0 => "+" + Number(v),
        { } v => Number(v),
    };

    /// <summary>An interval as "[lower, upper]".</summary>
    public static string Interval(double lower, double upper) => $"[{Number(lower)}, {Number(upper)}]";

    /// <summary>A gate threshold with its comparison (e.g. "≥ 0.85").</summary>
    public static string Threshold(GateRow gate) =>
        string.IsNullOrWhiteSpace(gate.Comparison) ? Number(gate.Threshold) : $"{gate.Comparison} {Number(gate.Threshold)}";

    /// <summary>The line that opens the report: whether the run passed its gates.</summary>
    public static string Headline(RunReport report)
    {
        var total = report.Gates.Count;
        if (total == 0)
        {
            return "NOT GATED: this run declared no gates.";
        }

        var failed = report.FailedGates;
        if (failed.Count == 0)
        {
            return total == 1 ? "PASSED: the gate passed." : string.Create(CultureInfo.InvariantCulture, $"PASSED: all {total} gates passed.");
        }

        var names = string.Join(", ", failed.Select(gate => $"{gate.Metric} ({gate.Kind})"));
        return string.Create(CultureInfo.InvariantCulture, $"FAILED: {failed.Count} of {total} gates failed: {names}.");
    }

    /// <summary>The run's identifying facts, in display order; empty ones left out.</summary>
    public static IReadOnlyList<(string Label, string Value)> Facts(RunReport report) =>
    [
        .. new (string Label, string Value)[]
        {
            ("Recipe", report.RecipeName),
            ("Artifact", report.ArtifactName),
            ("Version", report.ArtifactVersion),
            ("Quantization", report.QuantizationSummary),
            ("Device", report.Device),
        }.Where(fact => !string.IsNullOrWhiteSpace(fact.Value)),
    ];

    /// <summary>Cells of one metrics row.</summary>
    public static string[] MetricCells(MetricRow row) =>
        [row.Name, Number(row.Baseline), Number(row.Quantized), Change(row.Change)];

    /// <summary>Cells of one success-interval row.</summary>
    public static string[] IntervalCells(SuccessInterval row) =>
    [
        row.Label,
        row.Successes.ToString(CultureInfo.InvariantCulture),
        row.Episodes.ToString(CultureInfo.InvariantCulture),
        Number(row.Rate),
        Interval(row.Lower, row.Upper),
        row.Method,
    ];

    /// <summary>Cells of one gate row (the first is the pass/fail marker).</summary>
    public static string[] GateCells(GateRow gate) =>
    [
        gate.Passed ? PassedMark : FailedMark,
        gate.Metric,
        gate.Kind,
        Number(gate.Value),
        Number(gate.Bound),
        Threshold(gate),
        gate.Verdict,
        gate.RecipeLocation,
    ];

    /// <summary>Cells of one success-vs-bits point.</summary>
    public static string[] PointCells(SuccessBitsPoint point) =>
        [point.Label, point.Group, Number(point.Bits), Number(point.Success), Interval(point.Lower, point.Upper)];
}
