using WmQuant.IO;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Pipeline.Caching;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;
using static TorchSharp.torch;

namespace WmQuant.Pipeline.Stages;

/// <summary>What planning needs of a model besides the network: its training statistics, the config the environments are built for, its device.</summary>
/// <param name="Normalization">Action and proprio statistics.</param>
/// <param name="Config">The model config.</param>
/// <param name="Device">Where the network plans.</param>
public sealed record PlanningBasis(NormalizationRecord Normalization, WorldModelConfig Config, Device Device)
{
    /// <summary>The basis of a float model bundle (on the device it is on now).</summary>
    public static PlanningBasis Of(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new PlanningBasis(bundle.Normalization, bundle.Model.Config, bundle.Model.Device);
    }
}

/// <summary>
/// Plans with a model on the recipe's evaluation episodes, or returns the cached record of the same evaluation
/// (same weights hash, environment, planner, episodes, seeds, device kind and tool version).
/// </summary>
public static class EvaluationStage
{
    /// <summary>File name of the record inside a cache entry.</summary>
    public const string RecordFileName = "evaluation.json";

    /// <summary>Everything that determines an evaluation's outcome; its hash is the cache key.</summary>
    /// <param name="ModelSha256">
    /// Hash of the weights evaluated (for a quantized model the packed artifact's digest over config.json and its weight files).
    /// </param>
    /// <param name="Quantization">What was quantized, in words.</param>
    /// <param name="Environment">Environment name.</param>
    /// <param name="Planner">Planner settings.</param>
    /// <param name="Episodes">Episodes.</param>
    /// <param name="SeedOffset">Seed offset.</param>
    /// <param name="Seed">Planning-noise seed.</param>
    /// <param name="DeviceKind">cpu or cuda: kernels differ, so outcomes may.</param>
    /// <param name="ToolVersion">The tool version.</param>
    /// <param name="Precision">The arithmetic planning runs in.</param>
    public sealed record Inputs(string ModelSha256, string Quantization, string Environment, PlannerSpec Planner, int Episodes, int SeedOffset, long Seed, string DeviceKind, string ToolVersion,
        PlanningPrecision Precision = PlanningPrecision.Fp32);

    /// <summary>The inputs of evaluating weights <paramref name="modelSha256"/> with a recipe's planner and episodes.</summary>
    public static Inputs InputsFor(Recipe recipe, string modelSha256, string quantization, RunContext context)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(context);
        return new Inputs(modelSha256, quantization, recipe.Environment, recipe.Evaluation.Planner, recipe.Evaluation.Episodes,
            recipe.Evaluation.SeedOffset, recipe.Seed, context.DeviceKind, context.CacheVersion, recipe.Evaluation.Precision);
    }

    /// <summary>The cache key of an evaluation.</summary>
    public static string KeyOf(Inputs inputs) => StageCache.KeyOf("evaluate", inputs);

    /// <summary>Runs (or reuses) the evaluation; <paramref name="adapterFactory"/> is called only when it must run.</summary>
    public static (EvaluationRecord Record, bool Cached) Run(
        StageCache cache,
        Inputs inputs,
        ModelBundle model,
        Func<ILatentWorldModel> adapterFactory,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Run(cache, inputs, PlanningBasis.Of(model), adapterFactory, progress, cancellationToken);
    }

    /// <summary>
    /// Runs (or reuses) the evaluation of a model known by its <paramref name="basis"/> (a quantized artifact has no float
    /// bundle); <paramref name="adapterFactory"/> is called only when it must run.
    /// </summary>
    public static (EvaluationRecord Record, bool Cached) Run(
        StageCache cache,
        Inputs inputs,
        PlanningBasis basis,
        Func<ILatentWorldModel> adapterFactory,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(adapterFactory);
        var (directory, hit) = cache.GetOrCreate("evaluate", KeyOf(inputs), folder =>
        {
            var settings = RecipePlannerSettings.For(basis.Normalization, inputs.Planner, inputs.Episodes, inputs.SeedOffset, inputs.Seed);
            var batch = EnvironmentEpisodeBatch.ForModel(inputs.Environment, basis.Config);
            var adapter = adapterFactory();
            using var precision = inputs.Precision.Enter(basis.Device);
            var result = new EvaluationRunner(adapter, settings).Run(batch, progress, cancellationToken);
            (EvaluationRecord.From(result, settings, inputs.Environment, inputs.ModelSha256, inputs.Quantization, inputs.DeviceKind)
                with { Precision = inputs.Precision == PlanningPrecision.Fp32 ? null : inputs.Precision })
                .Save(Path.Combine(folder, RecordFileName));
        });
        return (EvaluationRecord.Load(Path.Combine(directory, RecordFileName)), hit);
    }

    /// <summary>
    /// The FP model's evaluation on a recipe's seeds, as <c>wmq run</c> and <c>wmq tune</c> both take it: from the
    /// model's baseline.json when that holds the same evaluation (and the recipe leaves max_batch automatic), else through the cache (planning in float32 with
    /// <paramref name="fp"/> itself, or with a cast copy at the recipe's precision, since the FP model stays float32 for
    /// quantization).
    /// </summary>
    /// <returns>The record, whether the cache held it, and whether it came from baseline.json.</returns>
    public static (EvaluationRecord Record, bool Cached, bool FromBaselineFile) RunFp(
        Recipe recipe,
        ModelBundle fp,
        RunContext context,
        RepositoryBoundary? boundary,
        IProgress<EvaluationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(fp);
        ArgumentNullException.ThrowIfNull(context);
        var precision = recipe.Evaluation.Precision;
        var settings = RecipePlannerSettings.For(fp, recipe.Evaluation.Planner, recipe.Evaluation.Episodes, recipe.Evaluation.SeedOffset, recipe.Seed);
        // baseline.json's evaluations were planned with every row in one call; a recipe that caps the batch (which on a GPU
        // may change rounding) gets an FP evaluation planned like its quantized one, as its cache key already keeps apart.
        if (recipe.Evaluation.Planner.MaxBatch == 0
            && ModelBaselineFile.TryLoadBeside(fp.CheckpointPath, boundary)?.Find(fp.Sha256, recipe.Environment, PlannerRecord.From(settings),
            recipe.Evaluation.Episodes, recipe.Evaluation.SeedOffset, recipe.Seed, context.DeviceKind, precision) is { } stored)
        {
            return (stored, true, true);
        }

        ModelBundle? cast = null;
        try
        {
            var (record, hit) = Run(context.Cache, InputsFor(recipe, fp.Sha256, "fp32", context), fp, () =>
            {
                if (precision.ModelDtype() == ScalarType.Float32)
                {
                    return fp.CreateAdapter();
                }

                cast = ModelBundle.Load(fp.CheckpointPath, recipe.Model.Config, boundary).Model!;
                cast.Model.MoveTo(context.Device, precision.ModelDtype());
                return fp.CreateAdapter(cast.Model);
            }, progress, cancellationToken);
            return (record, hit, false);
        }
        finally
        {
            cast?.Dispose();
        }
    }

    /// <summary>Episode progress as pipeline progress lines of <paramref name="stage"/> (null when nobody listens).</summary>
    internal static SynchronousProgress<EvaluationProgress>? EpisodeProgress(IProgress<PipelineProgress>? progress, string stage) => progress is null
        ? null
        : new SynchronousProgress<EvaluationProgress>(p => progress.Report(new PipelineProgress(
            stage,
            $"MPC iteration {p.Iteration}/{p.MaxIterations}: {p.SucceededEpisodes} succeeded, {p.ActiveEpisodes} planning",
            p.TotalEpisodes - p.ActiveEpisodes,
            p.TotalEpisodes)));
}
