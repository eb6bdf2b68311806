using WmQuant.Environments.PushT;
using WmQuant.Environments.Wall;

namespace WmQuant.Environments;

/// <summary>A registered environment: the name users write, what it is, and how to build it.</summary>
/// <param name="Name">The name recipes (<c>environment:</c>), <c>wmq eval --env</c> and records write.</param>
/// <param name="Description">One line for help texts and the JSON Schema.</param>
/// <param name="Create">Builds the environment observed at an image size, with optional task parameters.</param>
public sealed record EnvironmentDefinition(string Name, string Description, Func<IReadOnlyDictionary<string, double>?, int, IPlanningEnvironment> Create);

/// <summary>
/// The environments this build implements, by name. Recipes, datasets and the command line name a task through
/// this table only, so a name that is not here (pointmaze, until it exists) fails at validation with the list.
/// </summary>
public static class EnvironmentCatalog
{
    /// <summary>Every environment, in the order help texts list them. Adding one: its folder, one line here.</summary>
    public static IReadOnlyList<EnvironmentDefinition> All { get; } =
    [
        new("wall", "DotWall: a dot must pass a door in a wall to reach its goal.", CreateWall),
        new("pusht", "PushT: a round pusher moves a T-shaped block to a goal pose.", CreatePushT),
    ];

    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(e => e.Name)];

    /// <summary>The definition of a name, or null.</summary>
    public static EnvironmentDefinition? Find(string? name) => All.FirstOrDefault(e => e.Name == name);

    /// <summary>
    /// Creates environment <paramref name="name"/> observed at <paramref name="imageSize"/> px. Wall reads
    /// optional <c>wall_x</c> and <c>door_y</c> from <paramref name="parameters"/>; PushT reads <c>goal_pace</c>, the
    /// largest step of the pusher whose replay makes the goals (default <see cref="ScriptedPusher.DemoPaceActionNorm"/>;
    /// <see cref="ScriptedPusher.MaxActionNorm"/> gives the faster, harder goals of the first PushT model).
    /// </summary>
    /// <exception cref="ArgumentException">No environment of that name (callers validate names first: a bug).</exception>
    public static IPlanningEnvironment Create(string name, IReadOnlyDictionary<string, double>? parameters = null, int imageSize = 224)
    {
        ArgumentNullException.ThrowIfNull(name);
        var definition = Find(name)
            ?? throw new ArgumentException($"Unknown environment '{name}'; expected one of: {string.Join(", ", Names)}.", nameof(name));
        return definition.Create(parameters, imageSize);
    }

    private static WallEnvironment CreateWall(IReadOnlyDictionary<string, double>? parameters, int imageSize)
    {
        var layout = WallLayout.Default;
        if (parameters is not null)
        {
            layout = new WallLayout(
                parameters.TryGetValue("wall_x", out var wx) ? wx : layout.WallX,
                parameters.TryGetValue("door_y", out var dy) ? dy : layout.DoorY);
        }

        return new WallEnvironment(layout, imageSize);
    }

    private static PushTEnvironment CreatePushT(IReadOnlyDictionary<string, double>? parameters, int imageSize)
    {
        var sampler = parameters is not null && parameters.TryGetValue("goal_pace", out var pace)
            ? new PushTReplayGoalSampler { Pace = pace }
            : new PushTReplayGoalSampler();
        return new PushTEnvironment(imageSize, sampler);
    }
}
