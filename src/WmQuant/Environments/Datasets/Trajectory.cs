namespace WmQuant.Environments.Datasets;

/// <summary>
/// One recorded trajectory: <see cref="Steps"/> actions and the <see cref="Steps"/> + 1 states they lead
/// through, both row-major (states [Steps + 1, stateDim], actions [Steps, actionDim]). Images are not
/// stored: they are re-rendered from the states.
/// </summary>
/// <param name="States">Flattened states, starting with the state before the first action.</param>
/// <param name="Actions">Flattened actions.</param>
/// <param name="StateDim">Values per state.</param>
/// <param name="ActionDim">Values per action.</param>
public sealed record Trajectory(double[] States, double[] Actions, int StateDim, int ActionDim)
{
    /// <summary>Number of actions (one fewer than the number of states).</summary>
    public int Steps => Actions.Length / ActionDim;

    /// <summary>The state at time <paramref name="t"/> (0 ≤ t ≤ <see cref="Steps"/>).</summary>
    public ReadOnlySpan<double> State(int t) => States.AsSpan(t * StateDim, StateDim);

    /// <summary>The action taken at time <paramref name="t"/>.</summary>
    public ReadOnlySpan<double> Action(int t) => Actions.AsSpan(t * ActionDim, ActionDim);
}
