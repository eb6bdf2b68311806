using WmQuant.Planning;

namespace WmQuant.Recipes;

/// <summary>
/// Planner settings a recipe starts from, per environment and profile; keys the recipe sets win. The table is a value
/// so the CPU profile can be tuned (or a test can pin it) without editing the schema. A test checks that every
/// registered environment has every profile.
/// </summary>
public sealed class PlannerDefaults
{
    private readonly Dictionary<(string Environment, string Profile), PlannerSpec> table;

    private PlannerDefaults(Dictionary<(string, string), PlannerSpec> table) => this.table = table;

    /// <summary>The profile names recipes can write (<c>planner.profile</c>).</summary>
    public static IReadOnlyList<string> Profiles { get; } = ["default", "cpu"];

    /// <summary>The study's settings ("default") and a CPU profile ("cpu": 64 samples, 5 CEM steps) tuned on measurements.</summary>
    public static PlannerDefaults Standard { get; } = new(new()
    {
        [("wall", "default")] = new("default", PlannerKind.MpcCem, 5, 300, 30, 10, 50, 1.0),
        [("pusht", "default")] = new("default", PlannerKind.MpcCem, 5, 300, 30, 30, 30, 1.0),
        [("wall", "cpu")] = new("cpu", PlannerKind.MpcCem, 5, 64, 8, 5, 50, 1.0),
        [("pusht", "cpu")] = new("cpu", PlannerKind.MpcCem, 5, 64, 8, 5, 30, 1.0),
    });

    /// <summary>The settings for an environment and profile, or null when the table has none (an environment added without defaults).</summary>
    public PlannerSpec? Find(string environment, string profile) =>
        table.TryGetValue((environment, profile), out var spec) ? spec : null;

    /// <summary>The settings for an environment and profile.</summary>
    /// <exception cref="ArgumentException">No entry (a registered environment without planner defaults: a bug the tests catch).</exception>
    public PlannerSpec For(string environment, string profile) =>
        Find(environment, profile) ?? throw new ArgumentException($"no planner defaults for {environment}/{profile}", nameof(profile));

    /// <summary>A copy with one entry replaced, e.g. a tuned CPU profile.</summary>
    public PlannerDefaults With(string environment, string profile, PlannerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var copy = new Dictionary<(string, string), PlannerSpec>(table) { [(environment, profile)] = spec with { Profile = profile } };
        return new PlannerDefaults(copy);
    }
}
