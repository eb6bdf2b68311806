using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Recipes;
using PlanningKind = WmQuant.Planning.PlannerKind;

namespace WmQuant.Pipeline.Inputs;

/// <summary>Turns a recipe's planner and episode settings into the planner's typed settings (the library never reads YAML).</summary>
public static class RecipePlannerSettings
{
    /// <summary>The planner kind a recipe names.</summary>
    public static PlanningKind KindOf(PlannerSpec planner)
    {
        ArgumentNullException.ThrowIfNull(planner);
        return KindOf(planner.Kind);
    }

    /// <summary>The planner a recipe's (or <c>wmq eval --planner</c>'s) kind names.</summary>
    public static PlanningKind KindOf(Recipes.PlannerKind kind) => kind switch
    {
        Recipes.PlannerKind.MpcCem => PlanningKind.MpcCem,
        Recipes.PlannerKind.OpenLoopCem => PlanningKind.OpenLoopCem,
        Recipes.PlannerKind.MpcGd => PlanningKind.MpcGradient,
        Recipes.PlannerKind.OpenLoopGd => PlanningKind.OpenLoopGradient,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown planner kind"),
    };

    /// <summary>Evaluation on <paramref name="episodes"/> episodes with seeds 99·n + <paramref name="seedOffset"/>.</summary>
    public static EvaluationSettings For(TrainedModel model, PlannerSpec planner, int episodes, int seedOffset, long seed, int? maxIterations = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(planner);
        return new EvaluationSettings(
            model.CreateMpcSettings(maxIterations ?? planner.MaxIterations),
            KindOf(planner),
            episodes,
            seedOffset == EpisodeSeeds.Offset(EpisodeSeedSet.Calibration) ? EpisodeSeedSet.Calibration : EpisodeSeedSet.Evaluation,
            Seed: seed,
            Cem: new CemSettings(planner.Horizon, planner.Samples, planner.TopK, planner.OptSteps, planner.Sigma),
            Gradient: new GradientSettings(planner.Horizon, planner.OptSteps),
            Objective: new ObjectiveSettings(planner.Alpha),
            SeedOffset: seedOffset);
    }
}
