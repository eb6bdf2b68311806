namespace WmQuant.Planning.Mpc;

/// <summary>Per-iteration planning record of one episode, in execution order.</summary>
/// <param name="Iterations">One entry per MPC iteration the episode took part in.</param>
public sealed record PlanningTrace(IReadOnlyList<MpcIterationTrace> Iterations);
