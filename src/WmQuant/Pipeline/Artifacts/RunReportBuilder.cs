using System.Globalization;
using System.Reflection;
using WmQuant.Contract;
using WmQuant.Naming;
using WmQuant.Pipeline.Stages;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;
using WmQuant.Reports.Model;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>Fills the report model from what a run measured (the report writer knows nothing of pipelines).</summary>
public static class RunReportBuilder
{
    /// <summary>The report of one artifact.</summary>
    /// <param name="manifest">The artifact's manifest (its file list may still be empty).</param>
    /// <param name="recipe">The recipe it came from.</param>
    /// <param name="reconstructions">Decoder reconstructions, or null.</param>
    /// <param name="artifactDigest">Digest of the packed weights; null: the quantized evaluation's (empty when none ran).</param>
    public static RunReport Build(ArtifactManifest manifest, Recipe recipe, ReconstructionFigure? reconstructions = null, string? artifactDigest = null)
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
            ],
            SuccessIntervals = [.. new[] { ("FP32", fp), ("quantized", q) }
                .Where(x => x.Item2 is not null)
                .Select(x => Interval(x.Item1, x.Item2!))],
            Episodes = Episodes(fp, q),
            Sizes = new SizeSummary(manifest.Sizes.Fp32Bytes, manifest.Sizes.PackedBytes, manifest.Sizes.QuantizedWeights,
                manifest.Sizes.EffectiveBitsPerQuantizedWeight),
            Provenance = Provenance(manifest, recipe, artifactDigest ?? q?.ModelSha256 ?? ""),
            Gates = [.. manifest.Gates.Select(Row)],
            SuccessVsBits = q is null || weights.IsBypass ? [] :
            [
                new SuccessBitsPoint(manifest.Quantization.Summary, weights.Bits, q.SuccessRate, q.SuccessInterval95[0], q.SuccessInterval95[1], group),
            ],
            FpReference = fp is null ? null : Interval("FP32", fp),
            LossPerCemStep = Series(fp, q, r => r.MeanLossPerOptStep, withPlanning: false),
            LossPerMpcIteration = Series(fp, q, r => r.MeanPlanLossPerIteration, withPlanning: true),
            Layers = [.. manifest.Quantization.Layers.Select(l => new LayerRow(
                l.Name, l.Bits, l.Granularity, l.GroupSize, l.Activations, l.WeightMse, l.RelativeOutputError))],
            Reconstructions = reconstructions,
        };
    }

    /// <summary>Every seed either run played, in seed order, with both outcomes side by side.</summary>
    private static List<EpisodeRow> Episodes(EvaluationRecord? fp, EvaluationRecord? q)
    {
        static Dictionary<int, EpisodeResult> BySeed(EvaluationRecord? record) =>
            (record?.Episodes ?? []).GroupBy(e => e.Seed).ToDictionary(g => g.Key, g => Result(g.First()));
        var baseline = BySeed(fp);
        var quantized = BySeed(q);
        return [.. baseline.Keys.Union(quantized.Keys).Order()
            .Select(seed => new EpisodeRow(seed, baseline.GetValueOrDefault(seed), quantized.GetValueOrDefault(seed)))];
    }

    private static EpisodeResult Result(EpisodeRecord e) => new(e.Success, e.FinalDistance, e.Iterations);

    private static RunProvenance Provenance(ArtifactManifest manifest, Recipe recipe, string artifactDigest)
    {
        var seeds = manifest.Seeds;
        var evaluations = new List<EvaluationSetup>();
        if (manifest.Baseline is { } fp)
        {
            evaluations.Add(Setup("FP baseline", fp));
        }

        if (manifest.Quantized is { } q)
        {
            evaluations.Add(Setup("Quantized", q));
        }

        return new RunProvenance
        {
            Tool = $"{manifest.Tool.Name} {WithoutCommit(manifest.Tool.Version)}",
            Commit = CommitOf(manifest.Tool.Version) ?? CommitOf(typeof(RunReportBuilder).Assembly
                .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion) ?? "",
            Runtime = $"TorchSharp {manifest.Tool.TorchSharp}, libtorch {manifest.Tool.LibTorch}",
            Recipe = manifest.Recipe.File,
            RecipeSha256 = manifest.Recipe.Sha256,
            Model = manifest.Model.Path,
            ModelSha256 = manifest.Model.Sha256,
            ArtifactDigest = artifactDigest,
            Calibration = seeds.CalibrationEpisodes == 0
                ? "none (the method needs no calibration data)"
                : string.Create(CultureInfo.InvariantCulture,
                    $"{seeds.CalibrationEpisodes} episodes, seeds {SeedRange(seeds.CalibrationSeedOffset, seeds.CalibrationEpisodes)}, ")
                    + string.Create(CultureInfo.InvariantCulture, $"{recipe.Calibration.MpcIterations} MPC iterations each"),
            Evaluations = evaluations,
        };
    }

    private static EvaluationSetup Setup(string label, EvaluationRecord r) => new(
        label,
        r.ModelSha256,
        Names.Of(r.Planner.Kind),
        r.Planner.Horizon,
        r.Planner.MaxIterations,
        r.Planner.Samples,
        r.Planner.TopK,
        r.Planner.OptSteps,
        r.EpisodeCount,
        SeedRange(r.SeedOffset, r.EpisodeCount),
        r.Seed,
        Names.Of(r.EffectivePrecision),
        r.Device);

    /// <summary>"99·n + 1 for n = 0…49 (1 … 4852)": the episode seeds a rerun must use.</summary>
    private static string SeedRange(int offset, int count) => count <= 0
        ? "none"
        : string.Create(CultureInfo.InvariantCulture, $"99·n + {offset} for n = 0…{count - 1} ({offset} … {(99 * (count - 1)) + offset})");

    /// <summary>The source revision after '+' in an informational version (0.1.0+39475dd…), or null.</summary>
    private static string? CommitOf(string? version)
    {
        int plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus < 0 || plus == version!.Length - 1 ? null : version[(plus + 1)..];
    }

    private static string WithoutCommit(string version)
    {
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    private static SuccessInterval Interval(string label, EvaluationRecord r) =>
        new(label, r.Successes, r.EpisodeCount, r.SuccessInterval95[0], r.SuccessInterval95[1], "95% Wilson");

    private static List<LossSeries> Series(EvaluationRecord? fp, EvaluationRecord? q, Func<EvaluationRecord, double[]> values, bool withPlanning)
    {
        var series = new List<LossSeries>();
        foreach (var (label, record) in new[] { ("FP32", fp), ("quantized", q) })
        {
            if (record is not null && values(record).Length > 0)
            {
                series.Add(new LossSeries(label, values(record)) { Planning = withPlanning ? Planning(record, values(record).Length) : [] });
            }
        }

        return series;
    }

    /// <summary>Per MPC iteration 1…<paramref name="iterations"/>, the episodes that planned in it (those that had not stopped before it).</summary>
    private static int[] Planning(EvaluationRecord record, int iterations) =>
        [.. Enumerable.Range(1, iterations).Select(k => record.Episodes.Count(e => e.Iterations >= k))];

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
