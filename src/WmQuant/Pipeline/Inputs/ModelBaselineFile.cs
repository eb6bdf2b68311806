using WmQuant.IO;
using WmQuant.Planning;
using WmQuant.Planning.Evaluation;

namespace WmQuant.Pipeline.Inputs;

/// <summary>
/// baseline.json beside a bundled model: its FP32 evaluations with per-episode outcomes, measured when the model was
/// made. A run whose evaluation matches one of them exactly (weights hash, environment, planner, episodes, seeds,
/// device kind) reuses it instead of planning the FP model again, which halves a CPU run.
/// </summary>
/// <param name="ModelSha256">Hash of the weights the evaluations are of.</param>
/// <param name="Evaluations">One per planner setting.</param>
public sealed record ModelBaselineFile(string ModelSha256, IReadOnlyList<EvaluationRecord> Evaluations)
{
    /// <summary>File name beside the weights.</summary>
    public const string FileName = "baseline.json";

    /// <summary>
    /// Reads the file beside <paramref name="checkpointPath"/> (within <see cref="InputLimits.Evaluation"/>, inside
    /// <paramref name="boundary"/> when given), or null when there is none or it cannot be used: a stale, hand-edited,
    /// oversized or linked-out file is not worth failing a run over, the FP model is evaluated instead.
    /// </summary>
    public static ModelBaselineFile? TryLoadBeside(string checkpointPath, RepositoryBoundary? boundary = null)
    {
        string path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var file = BoundedText.ReadJson<ModelBaselineFile>(path, InputLimits.Evaluation, EvaluationRecord.JsonOptions, boundary).Value;
        return file?.Evaluations is { } evaluations && evaluations.All(e => e is not null && e.MissingFields().Count == 0) ? file : null;
    }

    /// <summary>The evaluation that matches, or null.</summary>
    public EvaluationRecord? Find(string modelSha256, string environment, PlannerRecord planner, int episodes, int seedOffset, long seed, string deviceKind,
        PlanningPrecision precision = PlanningPrecision.Fp32) =>
        Evaluations?.FirstOrDefault(e =>
            e.ModelSha256 == modelSha256
            && e.EffectivePrecision == precision
            && (e.EnvironmentParameters is null || e.EnvironmentParameters.Count == 0)
            && PlannedAlike(e, environment, planner, episodes, seedOffset, seed, deviceKind)
            && e.Episodes.Count == episodes);

    /// <summary>The evaluation planned like <paramref name="run"/> (environment, planner, episodes, seeds, device kind; any weights), or null.</summary>
    public EvaluationRecord? FindPlannedLike(EvaluationRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Evaluations?.FirstOrDefault(e => e.EffectivePrecision == run.EffectivePrecision
            && PlannedAlike(e, run.Environment, run.Planner, run.EpisodeCount, run.SeedOffset, run.Seed, DeviceKind(run.Device)));
    }

    /// <summary>"cpu" or "cuda": the part of a recorded device ("cuda:0") that decides whether evaluations compare.</summary>
    public static string DeviceKind(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Split(':')[0];
    }

    private static bool PlannedAlike(EvaluationRecord e, string environment, PlannerRecord planner, int episodes, int seedOffset, long seed, string deviceKind) =>
        e.Environment == environment
        && e.Planner == planner
        && e.EpisodeCount == episodes
        && e.SeedOffset == seedOffset
        && e.Seed == seed
        && e.Device.StartsWith(deviceKind, StringComparison.Ordinal);
}
