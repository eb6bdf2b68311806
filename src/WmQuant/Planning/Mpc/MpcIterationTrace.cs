namespace WmQuant.Planning.Mpc;

/// <summary>What happened to one episode in one MPC iteration.</summary>
/// <param name="Iteration">Zero-based MPC iteration.</param>
/// <param name="LossPerOptStep">The planner's loss per optimisation step (see <see cref="Optimizers.PlanResult.LossPerStep"/>).</param>
/// <param name="PlanLoss">Objective of the executed plan's predicted final frame against the goal (the "planning loss per MPC iteration").</param>
/// <param name="ImaginedRealGap">
/// Same objective between the predicted final frame and the encoding of the observation actually
/// reached: how far imagination and reality part after executing the plan.
/// </param>
public sealed record MpcIterationTrace(int Iteration, float[] LossPerOptStep, float PlanLoss, float ImaginedRealGap);
