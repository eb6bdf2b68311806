using WmQuant.Planning.Mpc;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;

namespace WmQuant.Planning.Evaluation;

/// <summary>Everything that determines an evaluation run (with the model and environments).</summary>
/// <param name="Mpc">Loop settings, including the dataset's action normalisation.</param>
/// <param name="Planner">Optimiser and open- or closed-loop.</param>
/// <param name="Episodes">Episodes to run; the environment batch must hold that many instances.</param>
/// <param name="SeedSet">Evaluation (99·n+1) or calibration (99·n+2) seeds.</param>
/// <param name="FirstEpisode">Index n of the first episode, to split a run into parts.</param>
/// <param name="Seed">Seed of all planning noise; same seed, same model, same environments ⇒ same results.</param>
/// <param name="Cem">CEM settings (used by the CEM planner kinds).</param>
/// <param name="Gradient">Gradient planner settings (used by the gradient planner kinds).</param>
/// <param name="Objective">Objective weights.</param>
/// <param name="SeedOffset">When set, episode n uses seed 99·n + this instead of the <paramref name="SeedSet"/>'s offset.</param>
public sealed record EvaluationSettings(
    MpcSettings Mpc,
    PlannerKind Planner = PlannerKind.MpcCem,
    int Episodes = 50,
    EpisodeSeedSet SeedSet = EpisodeSeedSet.Evaluation,
    int FirstEpisode = 0,
    long Seed = 0,
    CemSettings? Cem = null,
    GradientSettings? Gradient = null,
    ObjectiveSettings? Objective = null,
    int? SeedOffset = null)
{
    /// <summary>The seed offset in effect.</summary>
    public int EffectiveSeedOffset => SeedOffset ?? EpisodeSeeds.Offset(SeedSet);
}
