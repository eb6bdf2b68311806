using System.Text.Json.Serialization;

namespace WmQuant.Environments.Datasets;

/// <summary>How Wall trajectories move (the names are the ones users write).</summary>
public enum WallDataPolicy
{
    /// <summary>Fast directional walks and door crossings (<see cref="WallExplorationGenerator"/>).</summary>
    [JsonStringEnumMemberName("exploration")]
    Exploration,

    /// <summary>Slow meandering walks, the first reference model's data (<see cref="WallRandomWalkGenerator"/>).</summary>
    [JsonStringEnumMemberName("random-walk")]
    RandomWalk,
}

/// <summary>The choices a dataset generator takes besides its size and seed; each generator reads the ones that concern it.</summary>
/// <param name="WallPolicy">Wall: how the agent moves.</param>
/// <param name="PushTActionNoise">PushT: standard deviation of the Gaussian noise on every scripted action.</param>
/// <param name="PushTExplorationShare">PushT: share of trajectories starting by the block, mixing random actions, lunges and pushes (0–1).</param>
/// <param name="PushTDemoPaceShare">PushT: share of trajectories at upstream's human-demonstration pace (0–1).</param>
public sealed record DatasetGeneratorOptions(
    WallDataPolicy WallPolicy = WallDataPolicy.Exploration,
    double PushTActionNoise = 0.05,
    double PushTExplorationShare = 0,
    double PushTDemoPaceShare = 0);

/// <summary>A registered dataset generator: the environment it serves, its default size, and how to build it.</summary>
/// <param name="Environment">A name of <see cref="EnvironmentCatalog"/>.</param>
/// <param name="DefaultTrajectories">Trajectories when none are asked for (Wall: upstream's 1920).</param>
/// <param name="DefaultSteps">Actions per trajectory when none are asked for.</param>
/// <param name="Create">Builds the generator for the given options.</param>
public sealed record DatasetGeneratorDefinition(
    string Environment, int DefaultTrajectories, int DefaultSteps, Func<DatasetGeneratorOptions, IDatasetGenerator> Create);

/// <summary>
/// The environments this build can generate training data for, by name. An environment of the catalog without an
/// entry here has no data generator yet; adding one is its generator class and one line here.
/// </summary>
public static class DatasetGenerators
{
    /// <summary>Every generator, in the order help texts list them.</summary>
    public static IReadOnlyList<DatasetGeneratorDefinition> All { get; } =
    [
        new("wall", 1920, 50, o => o.WallPolicy == WallDataPolicy.RandomWalk ? new WallRandomWalkGenerator() : new WallExplorationGenerator()),
        new("pusht", 400, 100, o => new PushTScriptedGenerator
        {
            ActionNoise = o.PushTActionNoise,
            ExplorationShare = o.PushTExplorationShare,
            DemoPaceShare = o.PushTDemoPaceShare,
        }),
    ];

    /// <summary>The environments with a generator.</summary>
    public static IReadOnlyList<string> Environments { get; } = [.. All.Select(g => g.Environment)];

    /// <summary>The generator of an environment, or null.</summary>
    public static DatasetGeneratorDefinition? Find(string? environment) => All.FirstOrDefault(g => g.Environment == environment);
}
