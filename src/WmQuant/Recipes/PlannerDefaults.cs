namespace WmQuant.Recipes;

/// <summary>
/// Planner settings a recipe starts from, per environment and profile; keys the recipe sets win. The table is a value
/// so the CPU profile can be tuned (or a test can pin it) without editing the schema.
/// </summary>
public sealed class PlannerDefaults
{
    private readonly Dictionary<(EnvironmentKind, string), PlannerSpec> table;

    private PlannerDefaults(Dictionary<(EnvironmentKind, string), PlannerSpec> table) => this.table = table;

    /// <summary>The study's settings ("default") and a first CPU profile ("cpu": 64 samples, 5 CEM steps) to be tuned on measurements.</summary>
    public static PlannerDefaults Standard { get; } = new(new()
    {
        [(EnvironmentKind.Wall, "default")] = new("default", PlannerKind.MpcCem, 5, 300, 30, 10, 50, 1.0),
        [(EnvironmentKind.PushT, "default")] = new("default", PlannerKind.MpcCem, 5, 300, 30, 30, 30, 1.0),
        [(EnvironmentKind.PointMaze, "default")] = new("default", PlannerKind.MpcCem, 5, 300, 30, 30, 30, 0.0),
        [(EnvironmentKind.Wall, "cpu")] = new("cpu", PlannerKind.MpcCem, 5, 64, 8, 5, 50, 1.0),
        [(EnvironmentKind.PushT, "cpu")] = new("cpu", PlannerKind.MpcCem, 5, 64, 8, 5, 30, 1.0),
        [(EnvironmentKind.PointMaze, "cpu")] = new("cpu", PlannerKind.MpcCem, 5, 64, 8, 5, 30, 0.0),
    });

    /// <summary>The settings for an environment and profile.</summary>
    public PlannerSpec For(EnvironmentKind environment, string profile) =>
        table.TryGetValue((environment, profile), out var spec)
            ? spec
            : throw new ArgumentException($"no planner defaults for {environment}/{profile}", nameof(profile));

    /// <summary>A copy with one entry replaced, e.g. a tuned CPU profile.</summary>
    public PlannerDefaults With(EnvironmentKind environment, string profile, PlannerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var copy = new Dictionary<(EnvironmentKind, string), PlannerSpec>(table) { [(environment, profile)] = spec with { Profile = profile } };
        return new PlannerDefaults(copy);
    }
}
