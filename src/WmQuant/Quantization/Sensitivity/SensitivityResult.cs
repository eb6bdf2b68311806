namespace WmQuant.Quantization.Sensitivity;

/// <summary>One unit's effect when it alone is quantized.</summary>
/// <param name="Unit">Layer name, or block prefix.</param>
/// <param name="Layers">Layers quantized together.</param>
/// <param name="PlanLossChange">Mean over episodes of |J_Q(a_Q) − J_FP(a_FP)|.</param>
/// <param name="PlanLossDelta">Mean over episodes of J_Q(a_Q) − J_FP(a_FP) (signed: up means the planner finds worse plans by its own measure).</param>
/// <param name="FpRegret">Mean over episodes of J_FP(a_Q) − J_FP(a_FP): the quantized plan judged by the FP model.</param>
/// <param name="QuantizedPlanLoss">Mean over episodes of J_Q(a_Q).</param>
/// <param name="OutputMse">Sum over the unit's layers of their output MSE on calibration tokens; null without calibration data.</param>
public sealed record SensitivityEntry(
    string Unit,
    IReadOnlyList<string> Layers,
    double PlanLossChange,
    double PlanLossDelta,
    double FpRegret,
    double QuantizedPlanLoss,
    double? OutputMse);

/// <summary>A finished scan, most sensitive unit first.</summary>
/// <param name="Ranked">Entries sorted by <paramref name="RankedBy"/>, descending (ties by unit name).</param>
/// <param name="RankedBy">The sort key.</param>
/// <param name="FpPlanLoss">Mean over episodes of J_FP(a_FP), the reference.</param>
/// <param name="Episodes">Episodes planned per unit.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record SensitivityResult(IReadOnlyList<SensitivityEntry> Ranked, SensitivityRanking RankedBy, double FpPlanLoss, int Episodes, TimeSpan Elapsed);

/// <summary>Progress after each unit.</summary>
/// <param name="Done">Units finished.</param>
/// <param name="Total">Units in the scan.</param>
/// <param name="Unit">The unit just finished.</param>
public sealed record SensitivityProgress(int Done, int Total, string Unit);
