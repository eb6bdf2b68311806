using WmQuant.Environments.PushT;
using WmQuant.Environments.Wall;

namespace WmQuant.Environments;

/// <summary>Builds environments by name, so datasets, CLI and recipes can name a task in text.</summary>
public static class EnvironmentCatalog
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["wall", "pusht"];

    /// <summary>
    /// Creates environment <paramref name="name"/> observed at <paramref name="imageSize"/> px. Wall reads
    /// optional <c>wall_x</c> and <c>door_y</c> from <paramref name="parameters"/>; PushT reads <c>goal_pace</c>, the
    /// largest step of the pusher whose replay makes the goals (default <see cref="ScriptedPusher.DemoPaceActionNorm"/>;
    /// <see cref="ScriptedPusher.MaxActionNorm"/> gives the faster, harder goals of the first PushT model).
    /// </summary>
    public static IPlanningEnvironment Create(string name, IReadOnlyDictionary<string, double>? parameters = null, int imageSize = 224)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name.ToLowerInvariant())
        {
            case "wall":
                var layout = WallLayout.Default;
                if (parameters is not null)
                {
                    layout = new WallLayout(
                        parameters.TryGetValue("wall_x", out var wx) ? wx : layout.WallX,
                        parameters.TryGetValue("door_y", out var dy) ? dy : layout.DoorY);
                }

                return new WallEnvironment(layout, imageSize);
            case "pusht":
                var sampler = parameters is not null && parameters.TryGetValue("goal_pace", out var pace)
                    ? new PushTReplayGoalSampler { Pace = pace }
                    : new PushTReplayGoalSampler();
                return new PushTEnvironment(imageSize, sampler);
            default:
                throw new ArgumentException($"Unknown environment '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name));
        }
    }
}
