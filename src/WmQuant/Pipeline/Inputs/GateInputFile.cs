using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Naming;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Planning.Evaluation;

namespace WmQuant.Pipeline.Inputs;

/// <summary>
/// Reads the run a gate judges from a file a user names: an evaluation record as <c>wmq eval --out</c> writes it, an
/// artifact (its folder or its manifest.json, whose quantized evaluation is the run), or a bundled model's
/// baseline.json (the evaluation planned like the run it is compared with). Lets CI gate evaluations that ran
/// elsewhere, or a new artifact against the previous release, without rerunning a recipe. The file is read through
/// <see cref="BoundedText"/> (<see cref="InputLimits.Evaluation"/>): a regular file of at most 32 MiB, scanned for
/// depth, size and duplicate keys before anything is built from it.
/// </summary>
public static class GateInputFile
{
    /// <summary>
    /// The evaluation in <paramref name="path"/>, or the problem saying why there is none (WMQ2002, or the code of the
    /// input limit it broke). A baseline.json holds several; the one with <paramref name="plannedLike"/>'s environment,
    /// planner, episodes, seeds and device kind is taken.
    /// </summary>
    public static (EvaluationRecord? Record, Diagnostic? Problem) Load(string path, EvaluationRecord? plannedLike = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = Path.GetFullPath(Directory.Exists(path) ? Path.Combine(path, ArtifactManifest.FileName) : path);
        if (!File.Exists(file) && !Directory.Exists(file))
        {
            return Unusable(Directory.Exists(path) ? Path.GetFullPath(path) : file, Directory.Exists(path)
                ? $"not an artifact folder (no {ArtifactManifest.FileName})"
                : "file not found");
        }

        var (utf8, problem) = BoundedText.ReadJson(file, InputLimits.Evaluation);
        if (utf8 is null)
        {
            return (null, problem);
        }

        try
        {
            using var document = JsonDocument.Parse(utf8);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("episodes", out _))
            {
                return Complete(Read<EvaluationRecord>(root, file), file, "the evaluation record");
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("evaluations", out _))
            {
                return FromBaselineFile(file, Read<ModelBaselineFile>(root, file), plannedLike);
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("quantized", out _))
            {
                // Only the quantized evaluation is read, so manifests of older tool versions still serve as baselines.
                var quantized = root.GetProperty("quantized");
                return quantized.ValueKind == JsonValueKind.Object
                    ? Complete(Read<EvaluationRecord>(quantized, file), file, "the manifest's quantized evaluation")
                    : Unusable(file, "the artifact has no quantized evaluation (it was written with evaluation skipped)");
            }

            return Unusable(file, "not an evaluation record (wmq eval --out), an artifact manifest or a baseline.json");
        }
        catch (JsonException e)
        {
            return (null, BoundedText.JsonProblem(e, file, InputLimits.Evaluation));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            return Unusable(file, $"not usable as an evaluation: {e.Message}");
        }
    }

    private static (EvaluationRecord? Record, Diagnostic? Problem) Unusable(string file, string message) =>
        (null, Diagnostic.FileError(DiagnosticCodes.InputUnusable, file, message));

    /// <summary>The record, or what it lacks: a gate is never judged on a record with holes.</summary>
    private static (EvaluationRecord? Record, Diagnostic? Problem) Complete(EvaluationRecord record, string file, string what) =>
        record.MissingFields() is { Count: > 0 } missing ? Unusable(file, $"{what} lacks {string.Join(", ", missing)}") : (record, null);

    private static T Read<T>(JsonElement root, string file) =>
        root.Deserialize<T>(EvaluationRecord.JsonOptions) ?? throw new JsonException($"{file}: empty");

    private static (EvaluationRecord? Record, Diagnostic? Problem) FromBaselineFile(string file, ModelBaselineFile baselines, EvaluationRecord? plannedLike)
    {
        var evaluations = baselines.Evaluations ?? [];
        for (int i = 0; i < evaluations.Count; i++)
        {
            string at = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"evaluations[{i}]");
            if (evaluations[i] is null)
            {
                return Unusable(file, $"{at} is null");
            }

            if (evaluations[i].MissingFields() is { Count: > 0 } missing)
            {
                return Unusable(file, $"{at} lacks {string.Join(", ", missing)}");
            }
        }

        if (plannedLike is null)
        {
            return evaluations.Count == 1 ? (evaluations[0], null) : Unusable(file, $"holds {evaluations.Count} evaluations and there is no run to pick one by");
        }

        if (baselines.FindPlannedLike(plannedLike) is { } match)
        {
            return (match, null);
        }

        var held = string.Join("; ", evaluations.Select(Describe));
        return Unusable(file, $"no evaluation planned like the candidate ({Describe(plannedLike)}); it holds: {held}");
    }

    private static string Describe(EvaluationRecord e) =>
        $"{e.Environment} {Names.Of(e.Planner.Kind)} {e.Planner.Samples} samples/{e.Planner.OptSteps} steps, {e.EpisodeCount} episodes on {ModelBaselineFile.DeviceKind(e.Device)}";
}
