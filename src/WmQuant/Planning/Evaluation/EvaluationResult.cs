using WmQuant.Planning.Mpc;
using WmQuant.Planning.Statistics;

namespace WmQuant.Planning.Evaluation;

/// <summary>Outcome of an evaluation run: the headline rate with its uncertainty, and the per-episode detail behind it.</summary>
/// <param name="Planner">Planner that ran.</param>
/// <param name="Successes">Episodes that reached their goal.</param>
/// <param name="SuccessRate">Successes / episodes.</param>
/// <param name="SuccessInterval">95% Wilson interval of the success rate.</param>
/// <param name="MeanStateDistance">Mean final state distance to the goal.</param>
/// <param name="Outcomes">Per-episode outcomes in episode order (pair them by seed across runs).</param>
/// <param name="MeanLossPerOptStep">Per MPC iteration, the planner loss per optimisation step averaged over the episodes planned in it.</param>
/// <param name="MeanPlanLossPerIteration">Per MPC iteration, the executed plan's objective averaged over the episodes planned in it.</param>
/// <param name="MeanImaginedRealGapPerIteration">Per MPC iteration, the imagined-vs-real latent gap averaged over the episodes planned in it.</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record EvaluationResult(
    PlannerKind Planner,
    int Successes,
    double SuccessRate,
    ProportionInterval SuccessInterval,
    double MeanStateDistance,
    IReadOnlyList<EpisodeOutcome> Outcomes,
    IReadOnlyList<double[]> MeanLossPerOptStep,
    double[] MeanPlanLossPerIteration,
    double[] MeanImaginedRealGapPerIteration,
    TimeSpan Elapsed);
