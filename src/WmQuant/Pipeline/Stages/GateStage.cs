using System.Globalization;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;

namespace WmQuant.Pipeline.Stages;

/// <summary>Judges a recipe's gates on the evaluations and turns verdicts into manifest entries and build errors.</summary>
public static class GateStage
{
    /// <summary>One entry per gate, in recipe order.</summary>
    public static IReadOnlyList<GateEntry> Run(Recipe recipe, EvaluationRecord? baseline, EvaluationRecord? quantized, PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(options);
        var entries = new List<GateEntry>();
        foreach (var gate in recipe.Gates)
        {
            string metric = MetricName(gate.Metric);
            string kind = gate.Min is not null ? "min" : gate.Max is not null ? "max" : "max_drop_vs_baseline";
            double threshold = gate.Min ?? gate.Max ?? gate.MaxDropVsBaseline ?? 0;
            string location = gate.Position.Format(options.RepositoryRoot);
            if (quantized is null)
            {
                entries.Add(new GateEntry(metric, kind, null, null, threshold, gate.Confidence, "skipped", "evaluation was skipped", location));
                continue;
            }

            double? value = Metric(gate.Metric, quantized);
            if (value is null || kind == "max_drop_vs_baseline")
            {
                entries.Add(new GateEntry(metric, kind, value, null, threshold, gate.Confidence, "error", $"{metric} {kind} cannot be judged by this build yet", location));
                continue;
            }

            bool passed = kind == "min" ? value >= threshold : value <= threshold;
            string op = kind == "min" ? (passed ? ">=" : "<") : (passed ? "<=" : ">");
            entries.Add(new GateEntry(metric, kind, value, value, threshold, gate.Confidence, passed ? "passed" : "failed",
                string.Create(CultureInfo.InvariantCulture, $"{metric} {value:F3} {op} {kind} {threshold:G4}"), location));
        }

        return entries;
    }

    /// <summary>passed, failed, or ungated (no gates, gates skipped, or nothing evaluated).</summary>
    public static string StatusOf(IReadOnlyList<GateEntry> gates, PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SkipGates || gates.Count == 0 || gates.All(g => g.Verdict == "skipped"))
        {
            return "ungated";
        }

        return gates.Any(g => g.Verdict is "failed" or "error") ? "failed" : "passed";
    }

    /// <summary>Failed gates as MSBuild canonical error lines (WMQ4001 failed, WMQ4002 could not be judged).</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<GateEntry> gates, string repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(gates);
        return [.. gates
            .Where(g => g.Verdict is "failed" or "error")
            .Select(g => $"{g.Location}: error {(g.Verdict == "failed" ? "WMQ4001" : "WMQ4002")}: gate {g.Metric} {g.Kind} {g.Verdict}: {g.Message}")];
    }

    private static string MetricName(GateMetric metric) => metric switch
    {
        GateMetric.SuccessRate => "success_rate",
        GateMetric.StateDistance => "state_distance",
        GateMetric.PlanningLoss => "planning_loss",
        GateMetric.LatentGap => "latent_gap",
        _ => "latent_drift",
    };

    private static double? Metric(GateMetric metric, EvaluationRecord record) => metric switch
    {
        GateMetric.SuccessRate => record.SuccessRate,
        GateMetric.StateDistance => record.MeanStateDistance,
        GateMetric.PlanningLoss => record.MeanPlanLossPerIteration.Length > 0 ? record.MeanPlanLossPerIteration[^1] : null,
        GateMetric.LatentGap => record.MeanImaginedRealGapPerIteration.Length > 0 ? record.MeanImaginedRealGapPerIteration.Average() : null,
        _ => null,
    };
}
