using System.Diagnostics;
using System.Text.RegularExpressions;
using WmQuant.Models;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using static TorchSharp.torch;
using LatentObservation = WmQuant.Planning.LatentObservation;

namespace WmQuant.Quantization.Sensitivity;

/// <summary>A scan's result, or why it could not run (the first unit's quantization error; the model is unchanged).</summary>
/// <param name="Result">The ranking, on success.</param>
/// <param name="Error">Why not, otherwise.</param>
public sealed record SensitivityOutcome(SensitivityResult? Result, QuantizationError? Error)
{
    /// <summary>True when <see cref="Result"/> is set.</summary>
    public bool Ok => Result is not null;
}

/// <summary>
/// Quantizes one unit (layer or block) of a plan at a time, leaving the rest in float, and ranks units by how much
/// that changes planning. The planning loss is defined on K calibration episodes (seeds 99·n+2): for episode k, CEM
/// plans once from the episode's start observation towards its goal with fixed noise (seeded by the run seed, the
/// episode seed and iteration 0, so every model variant sees the same samples); J_M(a) is the "last" objective of
/// action sequence a rolled out by model M from M's encoding of the start, against M's encoding of the goal. With
/// a_FP and a_Q the plans found with the FP model and with the unit quantized, the scan reports
/// |J_Q(a_Q) − J_FP(a_FP)| (the default ranking: how far the objective the planner reaches moves), its signed mean,
/// and J_FP(a_Q) − J_FP(a_FP) (the quantized plan judged by the FP model). Cost: one CEM plan over K episodes per unit,
/// plus one for the FP reference. The model is restored bit for bit after each unit.
/// </summary>
public static partial class SensitivityScan
{
    /// <summary>Runs the scan.</summary>
    /// <param name="model">A full-precision model.</param>
    /// <param name="plan">The settings each layer gets when its unit is quantized (layers the plan leaves in float are not scanned).</param>
    /// <param name="method">The quantization method.</param>
    /// <param name="calibration">Calibration data (needed for static activation ranges; gives output MSE).</param>
    /// <param name="settings">Episodes, planner, unit, ranking.</param>
    /// <param name="environments">An episode batch (reset here with the calibration seeds).</param>
    /// <param name="progress">Reported after each unit, synchronously.</param>
    /// <param name="cancellationToken">Checked between units.</param>
    public static SensitivityOutcome Run(
        DinoWorldModel model,
        ModelQuantizationPlan plan,
        IModelQuantizationMethod method,
        CalibrationSet? calibration,
        SensitivitySettings settings,
        IEpisodeBatch environments,
        IProgress<SensitivityProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environments);
        if (settings.Episodes < 1 || settings.FirstEpisode < 0)
        {
            throw new ArgumentException("A sensitivity scan needs at least one episode and a non-negative first episode.", nameof(settings));
        }

        var clock = Stopwatch.StartNew();
        var units = Units(plan.Resolve(model), settings.Unit);
        var layers = model.QuantizableLayersByName();
        var adapter = new DinoWorldModelPlanningAdapter(model, settings.Normalization.ProprioMean, settings.Normalization.ProprioStd);
        var objective = new LastFrameObjective(settings.Objective ?? new ObjectiveSettings());
        var planner = new CemPlanner(adapter, objective, settings.Cem);
        var seeds = EpisodeSeeds.Range(settings.SeedOffset, settings.Episodes, settings.FirstEpisode);
        var noiseSeeds = seeds.Select(s => PlanningNoise.StreamSeed(settings.PlanningSeed, s, 0)).ToList();

        using var outer = NewDisposeScope();
        var (images, proprio, goalImages, goalProprio) = Observations(environments, seeds, adapter);
        (LatentObservation Start, LatentObservation Goal) Encode() =>
            (adapter.Encode(images, proprio), adapter.Encode(goalImages, goalProprio).LastFrame());
        double[] Loss(LatentObservation start, LatentObservation goal, Tensor actions) =>
            ToDoubles(objective.Loss(adapter.PredictFinal(start, actions).LastFrame(), goal));

        var (fpStart, fpGoal) = Encode();
        var fpPlan = planner.Plan(new PlanRequest(fpStart, fpGoal, noiseSeeds));
        double[] fpLoss = Loss(fpStart, fpGoal, fpPlan.Actions);

        var entries = new List<SensitivityEntry>(units.Count);
        foreach (var (unit, members) in units)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var saved = members.Select(m => layers[m.Name].WeightMatrix.detach().clone()).ToList();
            var savedTransforms = members.Select(m => layers[m.Name].InputTransform).ToList();
            var unitPlan = new ModelQuantizationPlan(null, null)
            {
                Overrides = [.. members.Select(m => new QuantScopeRule(LayerSelector.Glob(m.Name), m.Weights, m.Activations))],
            };
            double[] quantizedLoss;
            Tensor quantizedActions;
            double? outputMse;
            try
            {
                var outcome = method.Apply(model, calibration, unitPlan);
                if (outcome.Error is { } error)
                {
                    return new SensitivityOutcome(null, error);
                }

                using var result = outcome.Result!;
                var (start, goal) = Encode();
                quantizedActions = planner.Plan(new PlanRequest(start, goal, noiseSeeds)).Actions;
                quantizedLoss = Loss(start, goal, quantizedActions);
                var quantizedReports = result.Quantized.Select(r => r.Report.OutputMse).ToList();
                outputMse = quantizedReports.All(m => m is not null) ? quantizedReports.Sum(m => m!.Value) : null;
            }
            finally
            {
                // Bit-exact restore, whatever happened (a method error leaves the layers as they were anyway).
                for (int i = 0; i < members.Count; i++)
                {
                    var layer = layers[members[i].Name];
                    layer.SetWeight(saved[i]);
                    layer.InputTransform = savedTransforms[i];
                }
            }

            double[] regret = Loss(fpStart, fpGoal, quantizedActions);
            entries.Add(new SensitivityEntry(
                unit,
                [.. members.Select(m => m.Name)],
                quantizedLoss.Zip(fpLoss, (q, f) => Math.Abs(q - f)).Average(),
                quantizedLoss.Zip(fpLoss, (q, f) => q - f).Average(),
                regret.Zip(fpLoss, (q, f) => q - f).Average(),
                quantizedLoss.Average(),
                outputMse));
            progress?.Report(new SensitivityProgress(entries.Count, units.Count, unit));
        }

        Func<SensitivityEntry, double> key = settings.RankBy switch
        {
            SensitivityRanking.FpRegret => e => e.FpRegret,
            SensitivityRanking.OutputMse => e => e.OutputMse ?? double.NegativeInfinity,
            _ => e => e.PlanLossChange,
        };
        var ranked = entries.OrderByDescending(key).ThenBy(e => e.Unit, StringComparer.Ordinal).ToList();
        return new SensitivityOutcome(new SensitivityResult(ranked, settings.RankBy, fpLoss.Average(), settings.Episodes, clock.Elapsed), null);
    }

    /// <summary>The scanned units: the plan's quantized layers, alone or grouped by transformer block or module group, in model order.</summary>
    public static IReadOnlyList<(string Unit, IReadOnlyList<LayerQuantSettings> Layers)> Units(ResolvedQuantizationScope scope, SensitivityUnit unit)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var quantized = scope.Quantized;
        if (unit == SensitivityUnit.Layer)
        {
            return [.. quantized.Select(l => (l.Name, (IReadOnlyList<LayerQuantSettings>)[l]))];
        }

        if (unit == SensitivityUnit.Group)
        {
            return [.. quantized
                .GroupBy(l => l.Group is { } group ? ModuleGroups.Prefix(group) : l.Name)
                .Select(g => (g.Key, (IReadOnlyList<LayerQuantSettings>)[.. g]))];
        }

        return [.. quantized
            .GroupBy(l => BlockPattern().Match(l.Name) is { Success: true } m ? m.Groups[1].Value : l.Name)
            .Select(g => (g.Key, (IReadOnlyList<LayerQuantSettings>)[.. g]))];
    }

    private static (Tensor Images, Tensor Proprio, Tensor GoalImages, Tensor GoalProprio) Observations(IEpisodeBatch environments, IReadOnlyList<int> seeds, DinoWorldModelPlanningAdapter model)
    {
        environments.Reset(seeds);
        var all = Enumerable.Range(0, seeds.Count).ToList();
        var now = environments.Observe(all);
        var goal = environments.ObserveGoals(all);
        int n = seeds.Count, size = environments.ImageSize, p = environments.ProprioDim;
        Tensor Images(float[] values) => tensor(values, [n, 1, 3, size, size]).to(model.DType, model.Device);
        Tensor Proprio(float[] values) => tensor(values, [n, 1, p]).to(model.DType, model.Device);
        return (Images(now.Images), Proprio(now.Proprio), Images(goal.Images), Proprio(goal.Proprio));
    }

    private static double[] ToDoubles(Tensor values) => [.. values.detach().to(ScalarType.Float64, CPU).contiguous().data<double>().ToArray()];

    [GeneratedRegex(@"^((?:encoder\.blocks|predictor\.transformer\.layers)\.\d+)\.")]
    private static partial Regex BlockPattern();
}
