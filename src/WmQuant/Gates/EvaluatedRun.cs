using WmQuant.Planning;
using WmQuant.Planning.Evaluation;

namespace WmQuant.Gates;

/// <summary>
/// What gates judge about one run, independent of how it was produced (a fresh evaluation, or a previous
/// artifact's manifest): per-episode outcomes plus run-level scalars that have no per-episode values.
/// </summary>
/// <param name="Episodes">Per-episode outcomes, any order; seeds must be distinct.</param>
/// <param name="PlanningLoss">Final planning objective, or null when not measured.</param>
/// <param name="LatentGap">Imagined-vs-real latent gap, or null when not measured.</param>
/// <param name="LatentDrift">Open-loop latent drift versus the FP model, or null when not measured.</param>
public sealed record EvaluatedRun(
    IReadOnlyList<GateEpisode> Episodes,
    double? PlanningLoss = null,
    double? LatentGap = null,
    double? LatentDrift = null)
{
    /// <summary>The arithmetic the run planned in; regression gates pair only runs of one precision.</summary>
    public PlanningPrecision Precision { get; init; } = PlanningPrecision.Fp32;

    /// <summary>
    /// The run a stored evaluation describes: its episodes, the executed plan's objective at the last MPC iteration
    /// as planning_loss and the mean imagined-vs-real gap over MPC iterations as latent_gap (null where not
    /// recorded); latent_drift is not part of an evaluation record, pass it with <c>with { LatentDrift = ... }</c>.
    /// </summary>
    public static EvaluatedRun From(EvaluationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new EvaluatedRun(
            [.. record.Episodes.Select(e => new GateEpisode(e.Seed, e.Success, e.FinalDistance))],
            record.MeanPlanLossPerIteration is { Length: > 0 } loss ? loss[^1] : null,
            record.MeanImaginedRealGapPerIteration is { Length: > 0 } gap ? gap.Average() : null)
        {
            Precision = record.EffectivePrecision,
        };
    }
}
