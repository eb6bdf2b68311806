using WmQuant.Models.Checkpoints;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Recipes;

namespace WmQuant.Pipeline.Inputs;

/// <summary>A recipe's planner and episode settings as the planner's typed settings (the planner never reads YAML).</summary>
public static class RecipePlannerSettings
{
    /// <summary>Evaluation on <paramref name="episodes"/> episodes with seeds 99·n + <paramref name="seedOffset"/>.</summary>
    public static EvaluationSettings For(ModelBundle model, PlannerSpec planner, int episodes, int seedOffset, long seed, int? maxIterations = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return For(model.Normalization, planner, episodes, seedOffset, seed, maxIterations);
    }

    /// <summary>The same for a model known only by its training statistics (a quantized artifact's copy of them).</summary>
    public static EvaluationSettings For(NormalizationRecord normalization, PlannerSpec planner, int episodes, int seedOffset, long seed, int? maxIterations = null)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        ArgumentNullException.ThrowIfNull(planner);
        return new EvaluationSettings(
            normalization.CreateMpcSettings(maxIterations ?? planner.MaxIterations),
            planner.Kind,
            episodes,
            seedOffset == EpisodeSeeds.Offset(EpisodeSeedSet.Calibration) ? EpisodeSeedSet.Calibration : EpisodeSeedSet.Evaluation,
            Seed: seed,
            Cem: new CemSettings(planner.Horizon, planner.Samples, planner.TopK, planner.OptSteps, planner.Sigma, planner.MaxBatch),
            Gradient: new GradientSettings(planner.Horizon, planner.OptSteps),
            Objective: new ObjectiveSettings(planner.Alpha),
            SeedOffset: seedOffset);
    }
}
