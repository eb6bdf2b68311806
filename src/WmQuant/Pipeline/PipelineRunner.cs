using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Models.Checkpoints;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Pipeline.Inputs;
using WmQuant.Pipeline.Stages;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;
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

    /// <summary>Creates a runner.</summary>
    public PipelineRunner(PipelineOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Runs the recipe. User-fixable problems come back in the result; bugs and I/O failures throw.</summary>
    /// <param name="recipe">The resolved recipe.</param>
    /// <param name="context">Where it runs: device, cache, tool version.</param>
    /// <param name="recipeSources">Every recipe file read for it (the recipe, then its bases), hashed into the manifest.</param>
    /// <param name="progress">Stage progress.</param>
    /// <param name="cancellationToken">Stops between MPC iterations and stages.</param>
    public PipelineResult Run(Recipe recipe, RunContext context, IReadOnlyList<string>? recipeSources = null, IProgress<PipelineProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(context);
        var hits = new List<string>();
        var timings = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var precision = recipe.Evaluation.Precision;
        if (!options.SkipEvaluation && precision.Problem(context.Device) is { } unusable)
        {
            return new PipelineResult(RunStatus.EnvironmentFailure, null, null,
                [Diagnostic.Error(DiagnosticCodes.DeviceUnavailable, unusable, SourcePosition.InFile(recipe.SourceFile))], hits);
        }

        var boundary = new IO.RepositoryBoundary(options.RepositoryRoot);
        ModelBundle? fp = null;
        if (recipe.Model.Checkpoint is { } checkpoint)
        {
            var loaded = ModelBundle.Load(checkpoint, recipe.Model.Config, boundary);
            if (loaded.Model is null)
            {
                return new PipelineResult(RunStatus.InvalidInput, null, null, loaded.Problems, hits);
            }

            fp = loaded.Model;
            fp.Model.MoveTo(context.Device, ScalarType.Float32);
        }

        using var fpOwned = fp;
        ArtifactModelInput? source = null;
        Models.DinoWorldModel? network = null;
        if (recipe.Model.Artifact is { } folder)
        {
            // Re-evaluating an existing release: its folder is checked whole and its network rebuilt (a damaged or
            // mismatched artifact stops here, as bad input) before anything is evaluated or written.
            var (input, problems) = ArtifactModelInput.Open(folder, boundary, requireManifest: true);
            if (input is null)
            {
                return new PipelineResult(RunStatus.InvalidInput, null, null, problems, hits);
            }

            (network, var loadProblems) = input.Load(context.Device, precision.ModelDtype());
            if (network is null)
            {
                return new PipelineResult(RunStatus.InvalidInput, null, null, loadProblems, hits);
            }

            source = input;
        }

        using var networkOwned = network;

        EvaluationRecord? baseline = null;
        if (!options.SkipEvaluation && fp is not null)
        {
            (baseline, bool hit, bool fromFile) = EvaluationStage.RunFp(
                recipe, fp, context, boundary, EvaluationStage.EpisodeProgress(progress, "evaluate-fp"), cancellationToken);
            Record(hits, timings, "evaluate-fp", hit, baseline.Seconds);
            LogEvaluation(fromFile ? $"FP baseline (from {ModelBaselineFile.FileName})" : "FP baseline", baseline, hit);
        }

        cancellationToken.ThrowIfCancellationRequested();
        string quantization = source?.Quantization ?? recipe.Quantization.Describe();
        QuantizedModel quantizedModel;
        if (source is not null)
        {
            quantizedModel = FromArtifact(source);
            progress?.Report(new PipelineProgress("quantize", $"{quantization}: the existing artifact {source.Folder}, not quantized again", 1, 1));
        }
        else
        {
            progress?.Report(new PipelineProgress("quantize", quantization, 0, 1));
            var (made, quantizeHit, refused) = QuantizationStage.Run(recipe, fp!, context, progress, cancellationToken, boundary);
            if (made is null)
            {
                return new PipelineResult(RunStatus.InvalidInput, null, null, [refused!], hits);
            }

            quantizedModel = made;
            Record(hits, timings, "quantize", quantizeHit, quantizedModel.Seconds);
            progress?.Report(new PipelineProgress("quantize", $"{quantizedModel.Layers.Count} layers quantized", 1, 1));
        }

        EvaluationRecord? quantized = null;
        if (!options.SkipEvaluation)
        {
            var inputs = EvaluationStage.InputsFor(recipe, quantizedModel.PackedSha256, quantization, context);
            var basis = source is null ? PlanningBasis.Of(fp!) : new PlanningBasis(source.Normalization, source.ModelConfig, context.Device);
            Models.DinoWorldModel? reloaded = null;
            try
            {
                (quantized, bool hit) = EvaluationStage.Run(context.Cache, inputs, basis, () =>
                {
                    if (source is not null)
                    {
                        return source.Normalization.CreateAdapter(network!);
                    }

                    reloaded = QuantizationStage.Reload(quantizedModel, context.Device, precision.ModelDtype());
                    return fp!.CreateAdapter(reloaded);
                }, EvaluationStage.EpisodeProgress(progress, "evaluate"), cancellationToken);
                Record(hits, timings, "evaluate", hit, quantized.Seconds);
                LogEvaluation("quantized", quantized, hit);
            }
            finally
            {
                reloaded?.Dispose();
            }
        }

        var verdicts = GateStage.Run(recipe, baseline, quantized);
        var status = GateStage.StatusOf(verdicts, options.SkipGates);
        var gates = GateStage.Results(recipe, verdicts, options.RepositoryRoot);
        progress?.Report(new PipelineProgress("artifact", "writing", 0, 1));
        string name = recipe.Artifact.Name;
        var staging = ArtifactWriter.CreateStaging(options.OutputDirectory, name);
        try
        {
            ArtifactWriter.CopyModel(staging, quantizedModel);
            var manifest = ArtifactWriter.Complete(staging, new ArtifactContext(
                recipe, options, context, fp?.CheckpointPath, quantizedModel, baseline, quantized, gates, status, timings, recipeSources ?? [], SourceArtifact: source));
            string final = ArtifactWriter.Publish(staging, options.OutputDirectory, name);
            if (recipe.Artifact.Formats.Contains(ArtifactFormat.Nupkg))
            {
                ArtifactPackage.Write(final, manifest, options.OutputDirectory);
            }

            progress?.Report(new PipelineProgress("artifact", "written", 1, 1));
            return new PipelineResult(status, final, manifest, GateStage.Diagnostics(verdicts, options.SkipGates), hits) { Verdicts = verdicts };
        }
        catch
        {
            ArtifactWriter.Discard(staging);
            throw;
        }
    }

    /// <summary>An existing artifact as the quantized model of a run: its files, and its layers, sizes and calibration from its manifest.</summary>
    private static QuantizedModel FromArtifact(ArtifactModelInput source)
    {
        var manifest = source.Manifest!;
        return new QuantizedModel(source.Folder, source.ModelFiles, source.Digest, manifest.Quantization.Layers, manifest.Sizes, 0, manifest.Seeds.CalibrationEpisodes);
    }

    private static void Record(List<string> hits, SortedDictionary<string, double> timings, string stage, bool hit, double seconds)
    {
        if (hit)
        {
            hits.Add(stage);
        }

        timings[stage] = Math.Round(seconds, 3);
    }

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
