using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Pipeline.Caching;
using WmQuant.Pipeline.Inputs;
using WmQuant.Pipeline.Stages;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Pipeline;

/// <summary>
/// Runs one resolved recipe end to end: FP baseline evaluation, quantization, evaluation of the quantized model on
/// the same seeds, gates, and the artifact folder. Expensive stages are cached by the hash of their inputs, so an
/// unchanged recipe re-runs in seconds and an interrupted run resumes at the stage it was in.
/// </summary>
public sealed class PipelineRunner
{
    private readonly PipelineOptions options;
    private readonly ILogger logger;

    /// <summary>Creates a runner; the Torch runtime must be initialised (device chosen) before <see cref="Run"/>.</summary>
    public PipelineRunner(PipelineOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Runs the recipe. User-fixable problems come back in the result; bugs and I/O failures throw.</summary>
    /// <param name="recipe">The resolved recipe.</param>
    /// <param name="recipeSources">Every recipe file read for it (the recipe, then its bases), hashed into the manifest.</param>
    /// <param name="progress">Stage progress.</param>
    /// <param name="cancellationToken">Stops between MPC iterations and stages.</param>
    public PipelineResult Run(Recipe recipe, IReadOnlyList<string>? recipeSources = null, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var runtime = TorchRuntime.Current ?? throw new InvalidOperationException("Initialise the Torch runtime before running a pipeline.");
        string deviceKind = runtime.Device.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu";
        string environment = EnvironmentName(recipe.Environment);
        var cache = new StageCache(options.CacheDirectory);
        var hits = new List<string>();
        var timings = new SortedDictionary<string, double>(StringComparer.Ordinal);

        var quantizer = QuantizationStage.Check(recipe);
        if (quantizer.Problem is { } unsupported)
        {
            return Invalid(recipe, unsupported);
        }

        var loaded = TrainedModel.Load(recipe.Model.Checkpoint, recipe.Model.Config);
        if (loaded.Model is null)
        {
            return new PipelineResult(PipelineStatus.InvalidInput, null, null, loaded.Problems, hits);
        }

        using var fp = loaded.Model;
        fp.Model.MoveTo(runtime.Device, ScalarType.Float32);
        var planner = recipe.Evaluation.Planner;

        EvaluationRecord? baseline = null;
        if (!options.SkipEvaluation)
        {
            var settings = RecipePlannerSettings.For(fp, planner, recipe.Evaluation.Episodes, recipe.Evaluation.SeedOffset, recipe.Seed);
            baseline = ModelBaselineFile.TryLoadBeside(fp.CheckpointPath)?.Find(
                fp.Sha256, environment, PlannerRecord.From(settings), recipe.Evaluation.Episodes, recipe.Evaluation.SeedOffset, recipe.Seed, deviceKind);
            if (baseline is not null)
            {
                Record(hits, timings, "evaluate-fp", hit: true, baseline.Seconds);
                LogEvaluation($"FP baseline (from {ModelBaselineFile.FileName})", baseline, cached: true);
            }
            else
            {
                var inputs = new EvaluationStage.Inputs(fp.Sha256, "fp32", environment, planner, recipe.Evaluation.Episodes, recipe.Evaluation.SeedOffset, recipe.Seed, deviceKind, options.ToolVersion);
                (baseline, bool hit) = EvaluationStage.Run(cache, inputs, fp, fp.CreateAdapter, EpisodeProgress(progress, "evaluate-fp"), cancellationToken);
                Record(hits, timings, "evaluate-fp", hit, baseline.Seconds);
                LogEvaluation("FP baseline", baseline, hit);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report(new PipelineProgress("quantize", RecipeQuantizationPlan.Describe(recipe.Quantization), 0, 1));
        var (quantizedModel, quantizeHit) = QuantizationStage.Run(cache, recipe, fp.Sha256, options.ToolVersion, runtime.Device);
        Record(hits, timings, "quantize", quantizeHit, quantizedModel.Seconds);
        progress?.Report(new PipelineProgress("quantize", $"{quantizedModel.Layers.Count} Linears quantized", 1, 1));

        EvaluationRecord? quantized = null;
        if (!options.SkipEvaluation)
        {
            var inputs = new EvaluationStage.Inputs(quantizedModel.PackedSha256, RecipeQuantizationPlan.Describe(recipe.Quantization), environment, planner,
                recipe.Evaluation.Episodes, recipe.Evaluation.SeedOffset, recipe.Seed, deviceKind, options.ToolVersion);
            TrainedModel? fakeQuant = null;
            try
            {
                (quantized, bool hit) = EvaluationStage.Run(cache, inputs, fp, () =>
                {
                    fakeQuant = QuantizationStage.Quantize(recipe, runtime.Device, out var layers);
                    foreach (var layer in layers)
                    {
                        layer.Codes?.Dispose();
                    }

                    return fakeQuant.CreateAdapter();
                }, EpisodeProgress(progress, "evaluate"), cancellationToken);
                Record(hits, timings, "evaluate", hit, quantized.Seconds);
                LogEvaluation("quantized", quantized, hit);
            }
            finally
            {
                fakeQuant?.Dispose();
            }
        }

        var verdicts = GateStage.Run(recipe, baseline, quantized);
        var gates = GateStage.Entries(recipe, verdicts, options.RepositoryRoot);
        var status = GateStage.StatusOf(verdicts, options);
        progress?.Report(new PipelineProgress("artifact", "writing", 0, 1));
        string name = ArtifactName(recipe);
        var staging = ArtifactWriter.CreateStaging(options.OutputDirectory, name);
        try
        {
            File.Copy(quantizedModel.PackedPath, Path.Combine(staging, "model.safetensors"));
            var manifest = ArtifactWriter.Complete(staging, new ArtifactContext(recipe, options, fp, quantizedModel, baseline, quantized, gates, status, runtime, deviceKind, timings, recipeSources ?? []));
            string final = ArtifactWriter.Publish(staging, options.OutputDirectory, name);
            if (recipe.Artifact.Formats.Contains(ArtifactFormat.Nupkg))
            {
                ArtifactPackage.Write(final, manifest, options.OutputDirectory);
            }

            progress?.Report(new PipelineProgress("artifact", "written", 1, 1));
            var problems = GateStage.Problems(verdicts, options.RepositoryRoot);
            return new PipelineResult(status == "failed" ? PipelineStatus.GateFailed : PipelineStatus.Passed, final, manifest, problems, hits) { Verdicts = verdicts };
        }
        catch
        {
            ArtifactWriter.Discard(staging);
            throw;
        }
    }

    /// <summary>The artifact folder name of a recipe (matrix combinations get their values appended).</summary>
    public static string ArtifactName(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return recipe.MatrixValues.Count == 0
            ? recipe.Artifact.Name
            : recipe.Artifact.Name + "-" + string.Join("-", recipe.MatrixValues.Select(m => m.Value));
    }

    /// <summary>The environment's catalogue name.</summary>
    public static string EnvironmentName(EnvironmentKind kind) => kind switch
    {
        EnvironmentKind.Wall => "wall",
        EnvironmentKind.PushT => "pusht",
        _ => "pointmaze",
    };

    private static PipelineResult Invalid(Recipe recipe, string message) =>
        new(PipelineStatus.InvalidInput, null, null, [$"{recipe.SourceFile}: error WMQ3101: {message}"], []);

    private static void Record(List<string> hits, SortedDictionary<string, double> timings, string stage, bool hit, double seconds)
    {
        if (hit)
        {
            hits.Add(stage);
        }

        timings[stage] = Math.Round(seconds, 3);
    }

    private static SynchronousProgress<EvaluationProgress>? EpisodeProgress(IProgress<PipelineProgress>? progress, string stage) => progress is null
        ? null
        : new SynchronousProgress<EvaluationProgress>(p => progress.Report(new PipelineProgress(
            stage,
            $"MPC iteration {p.Iteration}/{p.MaxIterations}: {p.SucceededEpisodes} succeeded, {p.ActiveEpisodes} planning",
            p.TotalEpisodes - p.ActiveEpisodes,
            p.TotalEpisodes)));

    private void LogEvaluation(string what, EvaluationRecord record, bool cached)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("{What}: success {Rate:F3} [{Lower:F3}, {Upper:F3}], mean distance {Distance:F2}{Cached}",
                what, record.SuccessRate, record.SuccessInterval95[0], record.SuccessInterval95[1], record.MeanStateDistance, cached ? " (cached)" : "");
        }
    }
}

/// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> posts to the thread pool, which reorders lines).</summary>
/// <typeparam name="T">Report type.</typeparam>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => handler(value);
}
