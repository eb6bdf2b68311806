namespace WmQuant.Reports.Model;

/// <summary>
/// One gate's verdict as the report shows it. Independent of the gate engine's own types so the
/// report can show verdicts from any source (this run, a previous manifest).
/// </summary>
/// <param name="Metric">Metric the gate checks (e.g. "success_rate").</param>
/// <param name="Kind">Kind of gate (e.g. "absolute", "regression vs FP").</param>
/// <param name="Value">Measured value (for a regression gate, the measured change).</param>
/// <param name="Bound">Confidence bound the decision was made on; null for gates judged on the value itself.</param>
/// <param name="Comparison">How the judged number must relate to the threshold (e.g. "≥", "≤").</param>
/// <param name="Threshold">The recipe's threshold.</param>
/// <param name="Passed">Whether the gate passed; a single false marks the run FAILED.</param>
/// <param name="Verdict">Human sentence explaining the decision.</param>
/// <param name="RecipeLocation">Where the gate is declared (e.g. "quantize.yaml:31:5"), so a failure points at the line to change.</param>
public sealed record GateRow(
    string Metric,
    string Kind,
    double Value,
    double? Bound,
    string Comparison,
    double Threshold,
    bool Passed,
    string Verdict,
    string RecipeLocation);
