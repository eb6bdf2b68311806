namespace WmQuant.Planning.Objectives;

/// <summary>Weights of the "last" objective.</summary>
/// <param name="Alpha">Weight of the proprio MSE relative to the visual MSE (1 for Wall and PushT, 0 for PointMaze).</param>
public sealed record ObjectiveSettings(double Alpha = 1.0);
