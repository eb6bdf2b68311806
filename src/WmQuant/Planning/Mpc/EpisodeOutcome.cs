namespace WmQuant.Planning.Mpc;

/// <summary>Result of one episode, keyed by seed so two runs can be compared episode by episode.</summary>
/// <param name="Index">Position of the episode in the batch.</param>
/// <param name="Seed">Environment seed of the episode.</param>
/// <param name="Success">Whether the goal was reached at some MPC boundary.</param>
/// <param name="FinalStateDistance">State distance to the goal when the episode stopped.</param>
/// <param name="IterationsUsed">MPC iterations executed (the success iteration, or the cap).</param>
/// <param name="Trace">Planning losses and latent gaps per iteration.</param>
public sealed record EpisodeOutcome(int Index, int Seed, bool Success, double FinalStateDistance, int IterationsUsed, PlanningTrace Trace);
