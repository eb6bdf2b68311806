using WmQuant.Environments.Wall;

namespace WmQuant.Environments.Datasets;

/// <summary>
/// DotWall training data: random walks from uniformly random free starting points. The heading drifts
/// by N(0, 0.6 rad) per step and the magnitude is uniform in [0, 1], so walks travel far enough to
/// meet walls and sometimes pass the door (upstream: 1920 trajectories × 50 steps).
/// </summary>
public sealed class WallRandomWalkGenerator : IDatasetGenerator
{
    /// <summary>Creates a generator on <paramref name="layout"/> (the fixed upstream layout when null).</summary>
    public WallRandomWalkGenerator(WallLayout? layout = null) => Layout = layout ?? WallLayout.Default;

    /// <summary>The wall geometry all trajectories share.</summary>
    public WallLayout Layout { get; }

    /// <inheritdoc />
    public string Environment => "wall";

    /// <inheritdoc />
    public GeneratedDataset Generate(int trajectories, int steps, int seed, IProgress<int>? progress = null)
    {
        var (trajs, proprio) = DatasetAssembler.Rollouts(trajectories, steps, seed, progress,
            () => new WallEnvironment(Layout, imageSize: WallLayout.WorldSize),
            (trajectorySeed, env) =>
            {
                var random = new Random(trajectorySeed);
                var (x, y) = WallExplorationGenerator.FreePoint(Layout, random);
                env.SetState([x, y]);
                var heading = 2 * Math.PI * random.NextDouble();
                return () =>
                {
                    heading += 0.6 * Gaussian.Next(random);
                    var magnitude = random.NextDouble();
                    return [magnitude * Math.Cos(heading), magnitude * Math.Sin(heading)];
                };
            });
        var card = DatasetAssembler.Card(
            Environment, "wall random walk: uniform free start, heading drift N(0, 0.6 rad)/step, magnitude U[0, 1]", seed, steps, trajs, proprio, proprioDim: 2,
            "Positions in pixels of the 65 px world; images are re-rendered from states (WallRenderer).",
            new() { ["wall_x"] = Layout.WallX, ["door_y"] = Layout.DoorY });
        return new GeneratedDataset(card, trajs);
    }
}
