using System.Text.Json;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Planning.Evaluation;

namespace WmQuant.Pipeline.Inputs;

/// <summary>
/// Reads the run a gate judges from a file a user names: an evaluation record as <c>wmq eval --out</c> writes it, an
/// artifact (its folder or its manifest.json, whose quantized evaluation is the run), or a bundled model's
/// baseline.json (the evaluation planned like the run it is compared with). Lets CI gate evaluations that ran
/// elsewhere, or a new artifact against the previous release, without rerunning a recipe.
/// </summary>
public static class GateInputFile
{
    /// <summary>
    /// The evaluation in <paramref name="path"/>, or a message saying why there is none. A baseline.json holds several;
    /// the one with <paramref name="plannedLike"/>'s environment, planner, episodes, seeds and device kind is taken.
    /// </summary>
    public static (EvaluationRecord? Record, string? Problem) Load(string path, EvaluationRecord? plannedLike = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Directory.Exists(path) ? Path.Combine(path, ArtifactManifest.FileName) : path;
        if (!File.Exists(file))
        {
            return (null, Directory.Exists(path)
                ? $"{path}: not an artifact folder (no {ArtifactManifest.FileName})"
                : $"{path}: file not found");
        }

        try
        {
            string kind;
            using (var document = JsonDocument.Parse(File.ReadAllText(file)))
            {
                var root = document.RootElement;
                kind = root.ValueKind != JsonValueKind.Object ? "other"
                    : root.TryGetProperty("episodes", out _) ? "record"
                    : root.TryGetProperty("evaluations", out _) ? "baseline"
                    : root.TryGetProperty("quantized", out _) ? "manifest"
                    : "other";
            }

            return kind switch
            {
                "record" => (EvaluationRecord.Load(file), null),
                "manifest" => ArtifactManifest.Load(file).Quantized is { } quantized
                    ? (quantized, null)
                    : (null, $"{file}: the artifact has no quantized evaluation (it was written with evaluation skipped)"),
                "baseline" => FromBaselineFile(file, plannedLike),
                _ => (null, $"{file}: not an evaluation record (wmq eval --out), an artifact manifest or a baseline.json"),
            };
        }
        catch (JsonException e)
        {
            return (null, $"{file}: not valid JSON for an evaluation: {e.Message}");
        }
    }

    private static (EvaluationRecord? Record, string? Problem) FromBaselineFile(string file, EvaluationRecord? plannedLike)
    {
        var evaluations = JsonSerializer.Deserialize<ModelBaselineFile>(File.ReadAllText(file), EvaluationRecord.JsonOptions)?.Evaluations ?? [];
        if (plannedLike is null)
        {
            return evaluations.Count == 1 ? (evaluations[0], null) : (null, $"{file}: holds {evaluations.Count} evaluations and there is no run to pick one by");
        }

        var deviceKind = DeviceKind(plannedLike.Device);
        var match = evaluations.FirstOrDefault(e =>
            e.Environment == plannedLike.Environment
            && e.Planner == plannedLike.Planner
            && e.EpisodeCount == plannedLike.EpisodeCount
            && e.SeedOffset == plannedLike.SeedOffset
            && e.Seed == plannedLike.Seed
            && DeviceKind(e.Device) == deviceKind);
        if (match is not null)
        {
            return (match, null);
        }

        var held = string.Join("; ", evaluations.Select(e => $"{e.Environment} {e.Planner.Kind} {e.Planner.Samples} samples/{e.Planner.OptSteps} steps, {e.EpisodeCount} episodes on {DeviceKind(e.Device)}"));
        return (null, $"{file}: no evaluation planned like the candidate ({plannedLike.Environment} {plannedLike.Planner.Kind} {plannedLike.Planner.Samples} samples/{plannedLike.Planner.OptSteps} steps, {plannedLike.EpisodeCount} episodes on {deviceKind}); it holds: {held}");
    }

    private static string DeviceKind(string device) => device.Split(':')[0];
}
