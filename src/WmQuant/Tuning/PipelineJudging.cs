using System.Diagnostics;
using WmQuant.Gates;
using WmQuant.IO;
using WmQuant.Models.Checkpoints;
using WmQuant.Naming;
using WmQuant.Pipeline;
using WmQuant.Pipeline.Caching;
using WmQuant.Pipeline.Inputs;
using WmQuant.Pipeline.Stages;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Sensitivity;
using WmQuant.Recipes;
using static TorchSharp.torch;

namespace WmQuant.Tuning;

/// <summary>
/// Judges a candidate exactly as <c>wmq run</c> judges a recipe: the quantize stage (calibration, method, packed artifact)
/// and the evaluate stage (the artifact reloaded, planning on the recipe's evaluation seeds), both through the stage cache,
/// then the recipe's gates against the FP evaluation of the same seeds.
/// </summary>
public sealed class PipelineCandidateJudge : ICandidateJudge
{
    private readonly Recipe recipe;
    private readonly SearchSpace space;
    private readonly ModelBundle fp;
    private readonly RunContext context;
    private readonly EvaluationRecord baseline;
    private readonly RepositoryBoundary boundary;
    private readonly IProgress<PipelineProgress>? progress;

    /// <summary>Creates a judge for one recipe, its FP model (on the run's device) and its FP evaluation on the search seeds.</summary>
    public PipelineCandidateJudge(Recipe recipe, SearchSpace space, ModelBundle fp, RunContext context, EvaluationRecord baseline, RepositoryBoundary boundary,
        IProgress<PipelineProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(fp);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(baseline);
        this.recipe = recipe;
        this.space = space;
        this.fp = fp;
        this.context = context;
        this.baseline = baseline;
        this.boundary = boundary;
        this.progress = progress;
        var calibration = QuantizationStage.CalibrationSettingsFor(recipe, fp);
        Identity = StageCache.KeyOf("tune-judge", new
        {
            model = fp.Sha256,
            quantization = RecipeWriter.Quantization(recipe.Quantization).ToJsonString(),
            methods = recipe.Search?.Methods.Select(m => Recipes.RecipeWriter.Quantization(recipe.Quantization with { Method = m.Definition, Options = m.Options })
                .ToJsonString()).ToList(),
            levels = space.Levels.Select(l => l.ToString()).ToList(),
            units = space.Units.Select(u => u.Name).ToList(),
            calibration = CalibrationCacheKey.FromModelHash(fp.Sha256, calibration),
            evaluation = EvaluationStage.KeyOf(EvaluationStage.InputsFor(recipe, "", "", context)),
            gates = recipe.Gates.Select(g => $"{Names.Of(g.Metric)} {Names.Of(g.Kind)} {g.Threshold:R} {g.Confidence:R} {g.BaselineManifest}").ToList(),
            baseline = baseline.Episodes.Select(e => $"{e.Seed}:{e.Success}:{e.FinalDistance:R}").ToList(),
            tool = context.ToolVersion,
            format = ArtifactQuantizationConfig.CurrentFormatVersion,
        });
    }

    /// <inheritdoc/>
    public string Identity { get; }

    /// <summary>The recipe a candidate is: the recipe's request with the candidate's method and per-layer weights, without the search.</summary>
    public static Recipe RecipeFor(Recipe recipe, SearchSpace space, Candidate candidate)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(candidate);
        var method = recipe.Search?.Methods.FirstOrDefault(m => m.Name == candidate.Method)
            ?? new SearchMethod(recipe.Quantization.Method, recipe.Quantization.Options);
        return recipe with { Quantization = space.Request(recipe.Quantization, method, candidate), Search = null };
    }

    /// <inheritdoc/>
    public CandidateOutcome Judge(Candidate candidate, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var candidateRecipe = RecipeFor(recipe, space, candidate);
        var (quantized, _, refused) = QuantizationStage.Run(candidateRecipe, fp, context, progress, cancellationToken, boundary);
        if (quantized is null)
        {
            // A method that refuses a candidate's settings makes that candidate unusable, not the search.
            return new CandidateOutcome(false, 0, 0, 0, 0, null, [$"not judged: {refused?.Message}"], clock.Elapsed.TotalSeconds);
        }

        var inputs = EvaluationStage.InputsFor(candidateRecipe, quantized.PackedSha256, candidateRecipe.Quantization.Describe(), context);
        DinoWorldModelHolder reloaded = new();
        EvaluationRecord record;
        try
        {
            (record, _) = EvaluationStage.Run(context.Cache, inputs, fp, () =>
            {
                reloaded.Model = QuantizationStage.Reload(quantized, context.Device, candidateRecipe.Evaluation.Precision.ModelDtype());
                return fp.CreateAdapter(reloaded.Model);
            }, EvaluationStage.EpisodeProgress(progress, "evaluate"), cancellationToken);
        }
        finally
        {
            reloaded.Model?.Dispose();
        }

        var verdicts = GateStage.Run(candidateRecipe, baseline, record);
        return new CandidateOutcome(
            verdicts.Count > 0 && verdicts.All(v => v.Outcome == GateOutcome.Passed),
            record.Successes,
            record.EpisodeCount,
            record.SuccessInterval95[0],
            record.SuccessInterval95[1],
            record.MeanStateDistance,
            [.. verdicts.Select(v => $"{v.Title}: {v.Message}")],
            Math.Round(clock.Elapsed.TotalSeconds, 3));
    }

    /// <summary>
    /// The FP model's evaluation on a recipe's seeds, as <c>wmq run</c> finds it: from the model's baseline.json when it holds
    /// the same evaluation, else through the evaluate stage (cached).
    /// </summary>
    public static EvaluationRecord Baseline(Recipe recipe, ModelBundle fp, RunContext context, RepositoryBoundary boundary,
        IProgress<PipelineProgress>? progress, CancellationToken cancellationToken) =>
        EvaluationStage.RunFp(recipe, fp, context, boundary, EvaluationStage.EpisodeProgress(progress, "evaluate"), cancellationToken).Record;

    /// <summary>Holds the reloaded model the adapter factory makes, so it is disposed after the evaluation whatever happens.</summary>
    private sealed class DinoWorldModelHolder
    {
        public Models.DinoWorldModel? Model { get; set; }
    }
}

/// <summary>
/// Sensitivities from <see cref="SensitivityScan"/>: for each level, each unit quantized alone at that level with the method
/// (and the recipe's calibration data), ranked by the change of the planning objective on calibration episodes. A float
/// level costs nothing to measure and is 0.
/// </summary>
public sealed class PipelineSensitivitySource : ISensitivitySource
{
    private readonly Recipe recipe;
    private readonly SearchSpace space;
    private readonly ModelBundle fp;
    private readonly RunContext context;
    private readonly int episodes;
    private readonly IProgress<PipelineProgress>? progress;

    /// <summary>Creates a source for one recipe and search space.</summary>
    public PipelineSensitivitySource(Recipe recipe, SearchSpace space, ModelBundle fp, RunContext context, int episodes, IProgress<PipelineProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(fp);
        ArgumentNullException.ThrowIfNull(context);
        this.recipe = recipe;
        this.space = space;
        this.fp = fp;
        this.context = context;
        this.episodes = episodes;
        this.progress = progress;
        var calibration = QuantizationStage.CalibrationSettingsFor(recipe, fp);
        Identity = StageCache.KeyOf("tune-sensitivity-source", new
        {
            model = fp.Sha256,
            methods = recipe.Search?.Methods.Select(m => $"{m.Name} {string.Join(' ', m.Definition.Describe(m.Options).Select(o => $"{o.Key}={o.Value}"))}").ToList(),
            levels = space.Levels.Select(l => l.ToString()).ToList(),
            units = space.Units.Select(u => $"{u.Name}[{string.Join(',', u.Layers.Select(l => $"{l.Name} {l.Activations}"))}]").ToList(),
            calibration = CalibrationCacheKey.FromModelHash(fp.Sha256, calibration),
            episodes,
            device = context.DeviceKind,
            tool = context.ToolVersion,
        });
    }

    /// <inheritdoc/>
    public string Identity { get; }

    /// <inheritdoc/>
    public SensitivityTable Measure(string method, IReadOnlyList<int> levels, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var chosen = recipe.Search?.Methods.FirstOrDefault(m => m.Name == method) ?? new SearchMethod(recipe.Quantization.Method, recipe.Quantization.Options);
        var calibration = QuantizationStage.CalibrationSettingsFor(recipe, fp);
        using var set = QuantizationStage.Calibrate(context.Cache, fp, calibration, progress, cancellationToken);
        var values = space.Units.Select(_ => Enumerable.Repeat(double.NaN, space.Levels.Count).ToArray()).ToArray();
        var unitKind = recipe.Search?.Unit switch
        {
            AllocationUnit.Block => SensitivityUnit.Block,
            AllocationUnit.Group => SensitivityUnit.Group,
            _ => SensitivityUnit.Layer,
        };
        foreach (int level in levels)
        {
            var weights = space.Levels[level];
            if (weights.IsBypass)
            {
                foreach (var unit in values)
                {
                    unit[level] = 0;
                }

                continue;
            }

            var plan = new ModelQuantizationPlan(null, null)
            {
                Overrides = [.. space.Units.SelectMany(u => u.Layers).Select(l => new QuantScopeRule(LayerSelector.Glob(l.Name), weights, l.Activations))],
            };
            var settings = new SensitivitySettings(calibration.Normalization, calibration.Cem, episodes, PlanningSeed: recipe.Seed,
                Objective: calibration.Objective, Unit: unitKind, SeedOffset: recipe.Calibration.SeedOffset);
            int done = level;
            var report = progress is null ? null : new SynchronousProgress<SensitivityProgress>(p => progress.Report(new PipelineProgress(
                "sensitivity", $"{method} {space.LevelName(done)}: {p.Unit}", p.Done, p.Total)));
            var outcome = SensitivityScan.Run(fp.Model, plan, chosen.Definition.Create(chosen.Options), set, settings,
                EnvironmentEpisodeBatch.ForModel(recipe.Environment, fp.Model.Config), report, cancellationToken);
            if (outcome.Result is not { } result)
            {
                throw new InvalidDataException($"the sensitivity scan of {method} at {space.LevelName(level)} failed: {outcome.Error?.Message}");
            }

            var byUnit = result.Ranked.ToDictionary(e => e.Unit, e => e.PlanLossChange, StringComparer.Ordinal);
            for (int u = 0; u < space.Units.Count; u++)
            {
                values[u][level] = Math.Max(0, byUnit.GetValueOrDefault(space.Units[u].Name));
            }
        }

        return new SensitivityTable([.. values.Select(v => (IReadOnlyList<double>)v)], Math.Round(clock.Elapsed.TotalSeconds, 3));
    }
}
