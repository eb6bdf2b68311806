using WmQuant.Contract;
using WmQuant.Pipeline.Stages;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;
using WmQuant.Reports.Model;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>Fills the report model from what a run measured (the report writer knows nothing of pipelines).</summary>
public static class RunReportBuilder
{
    /// <summary>The report of one artifact.</summary>
    public static RunReport Build(ArtifactManifest manifest, Recipe recipe, ReconstructionFigure? reconstructions = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(recipe);
        var fp = manifest.Baseline;
        var q = manifest.Quantized;
        var weights = recipe.Quantization.Weights;
        string group = weights.Granularity == Quantization.Primitives.WeightGranularity.PerGroup ? $"g{weights.GroupSize}" : "channel";
        return new RunReport
        {
            Title = $"{manifest.Name} {manifest.Version}",
            RecipeName = manifest.Recipe.File,
            ArtifactName = manifest.Name,
            ArtifactVersion = manifest.Version,
            QuantizationSummary = manifest.Quantization.Summary,
            Device = manifest.Device,
            Metrics =
            [
                new MetricRow("success rate", fp?.SuccessRate, q?.SuccessRate),
                new MetricRow("mean final state distance", fp?.MeanStateDistance, q?.MeanStateDistance),
                new MetricRow("mean MPC iterations", fp?.MeanIterations, q?.MeanIterations),
                new MetricRow("executed plan loss, first MPC iteration", First(fp?.MeanPlanLossPerIteration), First(q?.MeanPlanLossPerIteration)),
                new MetricRow("imagined-vs-real latent gap (mean)", Mean(fp?.MeanImaginedRealGapPerIteration), Mean(q?.MeanImaginedRealGapPerIteration)),
                new MetricRow("bits per quantized weight", 32, manifest.Sizes.EffectiveBitsPerQuantizedWeight),
                new MetricRow("tensor bytes", manifest.Sizes.Fp32Bytes, manifest.Sizes.PackedBytes),
            ],
            SuccessIntervals = [.. new[] { ("FP32", fp), ("quantized", q) }
                .Where(x => x.Item2 is not null)
                .Select(x => Interval(x.Item1, x.Item2!))],
            Gates = [.. manifest.Gates.Select(Row)],
            SuccessVsBits = q is null || weights.IsBypass ? [] :
            [
                new SuccessBitsPoint(manifest.Quantization.Summary, weights.Bits, q.SuccessRate, q.SuccessInterval95[0], q.SuccessInterval95[1], group),
            ],
            FpReference = fp is null ? null : Interval("FP32", fp),
            LossPerCemStep = Series(fp, q, r => r.MeanLossPerOptStep),
            LossPerMpcIteration = Series(fp, q, r => r.MeanPlanLossPerIteration),
            Layers = [.. manifest.Quantization.Layers.Select(l => new LayerRow(
                l.Name,
                l.Bits >= 16 ? "float" : l.Granularity == "group" ? $"W{l.Bits} g{l.GroupSize}" : $"W{l.Bits} {l.Granularity}",
                l.Activations,
                l.WeightMse,
                l.RelativeOutputError))],
            Reconstructions = reconstructions,
        };
    }

    private static SuccessInterval Interval(string label, EvaluationRecord r) =>
        new(label, r.Successes, r.EpisodeCount, r.SuccessInterval95[0], r.SuccessInterval95[1], "95% Wilson");

    private static List<LossSeries> Series(EvaluationRecord? fp, EvaluationRecord? q, Func<EvaluationRecord, double[]> values)
    {
        var series = new List<LossSeries>();
        if (fp is not null && values(fp).Length > 0)
        {
            series.Add(new LossSeries("FP32", values(fp)));
        }

        if (q is not null && values(q).Length > 0)
        {
            series.Add(new LossSeries("quantized", values(q)));
        }

        return series;
    }

    private static GateRow Row(GateResult g) => new(
        g.Metric,
        g.Kind,
        g.Value ?? double.NaN,
        g.Bound,
        g.Kind switch { "min" => "≥", "max" => "≤", _ => "drop ≤" },
        g.Threshold,
        g.Verdict is "passed" or "skipped",
        g.Verdict == "skipped" ? "skipped" : g.Message,
        g.Location);

    private static double? First(double[]? values) => values is { Length: > 0 } ? values[0] : null;

    private static double? Mean(double[]? values) => values is { Length: > 0 } ? values.Average() : null;
}
