using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Planning.Objectives;

/// <summary>
/// DINO-WM's "last" objective: MSE between the final predicted frame and the goal over the visual
/// latents, plus alpha times the MSE over the proprio latents. One value per batch row, so the
/// planner can rank samples and episodes stay independent.
/// </summary>
public sealed class LastFrameObjective
{
    private readonly double _alpha;

    /// <summary>Creates the objective with the given weights.</summary>
    public LastFrameObjective(ObjectiveSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _alpha = settings.Alpha;
    }

    /// <summary>
    /// Loss of each prediction against its goal. The prediction batch may be k times the goal batch
    /// (k samples per goal, grouped goal-major: rows [g·k, (g+1)·k) belong to goal g); the goal is
    /// then broadcast instead of copied.
    /// </summary>
    /// <param name="predicted">[G·k, T, ...]; only the last frame counts.</param>
    /// <param name="goal">[G, T', ...]; only the last frame counts.</param>
    /// <returns>[G·k] losses in the latents' dtype.</returns>
    public Tensor Loss(LatentObservation predicted, LatentObservation goal)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(goal);
        using var scope = NewDisposeScope();
        var p = predicted.LastFrame();
        var g = goal.LastFrame();
        long goals = g.BatchSize();
        long rows = p.BatchSize();
        if (goals == 0 || rows % goals != 0)
        {
            throw new ArgumentException($"Prediction batch {rows} is not a multiple of goal batch {goals}.", nameof(predicted));
        }

        long perGoal = rows / goals;
        var visual = GroupedMse(p.Visual, g.Visual, goals, perGoal);
        var proprio = GroupedMse(p.Proprio, g.Proprio, goals, perGoal);
        var loss = _alpha == 0 ? visual : visual.Add(proprio.Mul(_alpha));
        return loss.reshape(rows).MoveToOuterDisposeScope();
    }

    private static Tensor GroupedMse(Tensor predicted, Tensor goal, long goals, long perGoal)
    {
        var p = predicted.reshape(goals, perGoal, -1);
        var g = goal.reshape(goals, 1, -1);
        return (p - g).Pow(2).mean([2]);
    }
}
