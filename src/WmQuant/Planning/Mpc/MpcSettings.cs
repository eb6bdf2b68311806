namespace WmQuant.Planning.Mpc;

/// <summary>Receding-horizon loop settings.</summary>
/// <param name="ActionMean">Per environment action dimension, the dataset mean used to denormalise planned actions.</param>
/// <param name="ActionStd">Per environment action dimension, the dataset standard deviation used to denormalise planned actions.</param>
/// <param name="MaxIterations">Re-planning cap (study: 50 for Wall, 30 for PushT); open-loop planners use 1.</param>
/// <param name="ActionsPerIteration">Model actions executed per plan; null executes the whole horizon (the study's setting).</param>
public sealed record MpcSettings(
    float[] ActionMean,
    float[] ActionStd,
    int MaxIterations = 50,
    int? ActionsPerIteration = null)
{
    /// <summary>Wall's default cap.</summary>
    public const int WallMaxIterations = 50;

    /// <summary>PushT's default cap.</summary>
    public const int PushTMaxIterations = 30;
}
