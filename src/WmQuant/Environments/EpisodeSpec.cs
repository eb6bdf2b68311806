namespace WmQuant.Environments;

/// <summary>
/// One evaluation episode: where the simulator starts and which state counts as the goal.
/// Derived from <see cref="Seed"/> alone, so paired evaluations of two models see the same episodes.
/// </summary>
/// <param name="Seed">The episode seed the pair was drawn from.</param>
/// <param name="StartState">Simulator state at the start of the episode.</param>
/// <param name="GoalState">State the planner must reach; the goal image is rendered from it.</param>
/// <param name="Parameters">Per-episode environment parameters when the task varies them (Wall with random layouts: wall_x, door_y); null otherwise.</param>
public sealed record EpisodeSpec(int Seed, double[] StartState, double[] GoalState, IReadOnlyDictionary<string, double>? Parameters = null);
