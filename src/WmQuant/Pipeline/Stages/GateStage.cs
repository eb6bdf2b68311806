using WmQuant.Gates;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;

namespace WmQuant.Pipeline.Stages;

/// <summary>Judges a recipe's gates on the paired evaluations and turns verdicts into manifest entries and build errors.</summary>
public static class GateStage
{
    /// <summary>
    /// One verdict per gate, in recipe order (empty when nothing was evaluated). Regression gates compare with the FP
    /// evaluation of the same run, or with the quantized evaluation recorded in the manifest a gate names.
    /// </summary>
    public static IReadOnlyList<GateVerdict> Run(Recipe recipe, EvaluationRecord? baseline, EvaluationRecord? quantized)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (quantized is null)
        {
            return [];
        }

        var fp = baseline is null ? null : EvaluatedRun.From(baseline);
        return GateEvaluator.Evaluate(recipe.Gates, EvaluatedRun.From(quantized), gate => gate.BaselineManifest is { } path ? PreviousRelease(path) : fp);
    }

    /// <summary>The manifest entries: the verdicts, or every gate marked skipped when nothing was evaluated.</summary>
    public static IReadOnlyList<GateEntry> Entries(Recipe recipe, IReadOnlyList<GateVerdict> verdicts, string repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(verdicts);
        if (verdicts.Count == 0)
        {
            return [.. recipe.Gates.Select(g => new GateEntry(
                GateNames.Of(g.Metric),
                g.Min is not null ? "min" : g.Max is not null ? "max" : "max_drop_vs_baseline",
                null,
                null,
                g.Min ?? g.Max ?? g.MaxDropVsBaseline ?? 0,
                g.Confidence,
                "skipped",
                "evaluation was skipped",
                g.Position.Format(repositoryRoot)))];
        }

        return [.. verdicts.Select(v => new GateEntry(
            v.MetricName,
            v.KindName,
            v.Value,
            v.Bound,
            v.Threshold,
            v.Confidence,
            v.OutcomeName,
            v.Message,
            v.Position.Format(repositoryRoot)))];
    }

    /// <summary>passed, failed, or ungated (no gates, gates skipped, or nothing evaluated).</summary>
    public static string StatusOf(IReadOnlyList<GateVerdict> verdicts, PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SkipGates || verdicts.Count == 0)
        {
            return "ungated";
        }

        return verdicts.Any(v => v.Outcome != GateOutcome.Passed) ? "failed" : "passed";
    }

    /// <summary>
    /// Failed and unjudged gates as MSBuild canonical lines (WMQ4001, WMQ4002): errors, or warnings when gates are
    /// skipped, so an inner-loop build still shows them without failing.
    /// </summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<GateVerdict> verdicts, string displayDirectory, bool asWarnings = false)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var lines = verdicts.Select(v => v.ToCanonicalString(displayDirectory)).OfType<string>();
        return asWarnings
            ? [.. lines.Select(l => l.Replace(": error WMQ", ": warning WMQ", StringComparison.Ordinal))]
            : [.. lines];
    }

    private static EvaluatedRun? PreviousRelease(string manifestPath)
    {
        if (!File.Exists(manifestPath))
        {
            return null; // judged as "no baseline" (WMQ4002), naming the gate's line
        }

        try
        {
            return ArtifactManifest.Load(manifestPath).Quantized is { } previous ? EvaluatedRun.From(previous) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
