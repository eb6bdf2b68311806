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
    IReadOnlyList<EpisodeRecord> Episodes,
    double? PlanningLoss = null,
    double? LatentGap = null,
    double? LatentDrift = null);
