namespace WmQuant.Gates;

/// <summary>One evaluated episode, the unit gates pair by seed between a candidate and its baseline.</summary>
/// <param name="Seed">Episode seed; the same seed gives the same start and goal in every run.</param>
/// <param name="Success">Whether the goal was reached.</param>
/// <param name="StateDistance">Final distance to the goal state (lower is better).</param>
public readonly record struct GateEpisode(int Seed, bool Success, double StateDistance);
