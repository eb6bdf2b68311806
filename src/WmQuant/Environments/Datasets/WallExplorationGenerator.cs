using WmQuant.Environments.Wall;

namespace WmQuant.Environments.Datasets;

/// <summary>
/// DotWall training data that exercises what planning needs: the dot travels about 2 px per step (upstream's
/// step mean 1.0), presses into walls often, and a share of trajectories crosses the door. Two kinds, both
/// random and seeded per trajectory:
/// <list type="bullet">
/// <item>door crossings (<see cref="DoorShare"/> of trajectories): steer, with heading noise, to a point just before
/// the door, through it, then to a random target on the other side, then on to further random targets;</item>
/// <item>independent Gaussian actions (<see cref="JitterShare"/>): every step N(0, <see cref="JitterStd"/>²) per
/// dimension, what a CEM planner's first samples look like, so the predictor sums uncorrelated sub-steps right;</item>
/// <item>directional walks (the rest, upstream-like): a heading that drifts by N(0, <see cref="HeadingDrift"/>) per step.</item>
/// </list>
/// Steered and directional step magnitudes are N(1, 0.4) clipped to [0.1, 1.8] (upstream: mean 1.0, std 0.4,
/// bounds [0.2, 1.8]), plus N(0, <see cref="ActionNoise"/>²) per dimension. A random walk with small steps
/// (<see cref="WallRandomWalkGenerator"/>) rarely pushes into the middle wall at speed or passes the door, so a
/// predictor trained on it lets the dot pass through the wall.
/// </summary>
public sealed class WallExplorationGenerator : IDatasetGenerator
{
    /// <summary>Creates a generator on <paramref name="layout"/> (the fixed upstream layout when null).</summary>
    public WallExplorationGenerator(WallLayout? layout = null) => Layout = layout ?? WallLayout.Default;

    /// <summary>The wall geometry all trajectories share.</summary>
    public WallLayout Layout { get; }

    /// <summary>Share of trajectories that steer through the door (the rest are directional walks).</summary>
    public double DoorShare { get; init; } = 0.5;

    /// <summary>Share of trajectories with independent Gaussian actions.</summary>
    public double JitterShare { get; init; } = 0.25;

    /// <summary>Per-dimension standard deviation of the independent Gaussian actions.</summary>
    public double JitterStd { get; init; } = 0.8;

    /// <summary>Per-dimension standard deviation of the noise added to every steered or directional action.</summary>
    public double ActionNoise { get; init; } = 0.15;

    /// <summary>Standard deviation (rad) of the per-step heading change of directional walks.</summary>
    public double HeadingDrift { get; init; } = 0.3;

    /// <summary>Standard deviation (rad) of the heading noise around the steering direction of door crossings.</summary>
    public double SteeringNoise { get; init; } = 0.35;

    /// <summary>Mean step magnitude (action norm; the dot moves twice this many pixels).</summary>
    public double StepMean { get; init; } = 1.0;

    /// <summary>Standard deviation of the step magnitude.</summary>
    public double StepStd { get; init; } = 0.4;

    /// <summary>Largest step magnitude.</summary>
    public double StepMax { get; init; } = 1.8;

    /// <summary>Smallest step magnitude.</summary>
    public double StepMin { get; init; } = 0.1;

    /// <inheritdoc />
    public string Environment => "wall";

    /// <summary>The generator's settings in words, for the dataset card.</summary>
    public string Description => FormattableString.Invariant(
        $"wall exploration: {DoorShare:0.##} door crossings (steer via the door to a target on the other side, heading noise N(0, {SteeringNoise} rad)), ")
        + FormattableString.Invariant($"{JitterShare:0.##} independent N(0, {JitterStd}²) actions, rest directional walks (heading drift N(0, {HeadingDrift} rad)/step); ")
        + FormattableString.Invariant($"step magnitude N({StepMean}, {StepStd}) clipped to [{StepMin}, {StepMax}] plus N(0, {ActionNoise}²) per dimension; uniform free start");

    /// <inheritdoc />
    public GeneratedDataset Generate(int trajectories, int steps, int seed, IProgress<int>? progress = null)
    {
        var (trajs, proprio) = DatasetAssembler.Rollouts(trajectories, steps, seed, progress,
            () => new WallEnvironment(Layout, imageSize: WallLayout.WorldSize),
            (trajectorySeed, env) =>
            {
                var random = new Random(trajectorySeed);
                var (x, y) = FreePoint(random);
                env.SetState([x, y]);
                var kind = random.NextDouble();
                var policy = kind < DoorShare ? DoorCrossing(random, (WallEnvironment)env)
                    : kind < DoorShare + JitterShare ? Jitter(random)
                    : DirectionalWalk(random);
                return policy;
            });
        var card = DatasetAssembler.Card(
            Environment, Description, seed, steps, trajs, proprio, proprioDim: 2,
            "Positions in pixels of the 65 px world; images are re-rendered from states (WallRenderer).",
            new() { ["wall_x"] = Layout.WallX, ["door_y"] = Layout.DoorY });
        return new GeneratedDataset(card, trajs);
    }

    private (double X, double Y) FreePoint(Random random) => FreePoint(Layout, random);

    /// <summary>A uniform point of the sampling square that is not inside (or touching) the middle wall of <paramref name="layout"/>.</summary>
    internal static (double X, double Y) FreePoint(WallLayout layout, Random random)
    {
        double x, y;
        do
        {
            x = WallEnvironment.SampleLow + ((WallEnvironment.SampleHigh - WallEnvironment.SampleLow) * random.NextDouble());
            y = WallEnvironment.SampleLow + ((WallEnvironment.SampleHigh - WallEnvironment.SampleLow) * random.NextDouble());
        }
        while (Math.Abs(x - layout.WallX) < WallLayout.WallHalfThickness + 1);

        return (x, y);
    }

    private double Magnitude(Random random) => Math.Clamp(StepMean + (StepStd * Gaussian.Next(random)), StepMin, StepMax);

    private Func<double[]> DirectionalWalk(Random random)
    {
        var heading = 2 * Math.PI * random.NextDouble();
        return () =>
        {
            heading += HeadingDrift * Gaussian.Next(random);
            var magnitude = Magnitude(random);
            return Noisy(random, magnitude * Math.Cos(heading), magnitude * Math.Sin(heading));
        };
    }

    private Func<double[]> Jitter(Random random) => () => [JitterStd * Gaussian.Next(random), JitterStd * Gaussian.Next(random)];

    private double[] Noisy(Random random, double x, double y) => [x + (ActionNoise * Gaussian.Next(random)), y + (ActionNoise * Gaussian.Next(random))];

    private Func<double[]> DoorCrossing(Random random, WallEnvironment env)
    {
        var state = new double[2];
        env.CopyState(state);
        var side = state[0] < Layout.WallX ? -1 : 1;
        // Through the door a little off its centre line, then to a target in the band on the other side.
        var doorY = Layout.DoorY + ((WallLayout.DoorHalfHeight - 1.5) * ((2 * random.NextDouble()) - 1));
        var lane = WallLayout.WallHalfThickness + 2;
        var waypoints = new Queue<(double X, double Y)>();
        waypoints.Enqueue((Layout.WallX + (side * lane), doorY));
        waypoints.Enqueue((Layout.WallX - (side * lane), doorY));
        waypoints.Enqueue(TargetOnSide(random, -side));
        return () =>
        {
            env.CopyState(state);
            var (tx, ty) = waypoints.Peek();
            var dx = tx - state[0];
            var dy = ty - state[1];
            var distance = Math.Sqrt((dx * dx) + (dy * dy));
            if (distance < 2)
            {
                waypoints.Dequeue();
                if (waypoints.Count == 0)
                {
                    // Wander on: the next target is anywhere free (it may need the door again, or not).
                    waypoints.Enqueue(FreePoint(random));
                }

                (tx, ty) = waypoints.Peek();
                dx = tx - state[0];
                dy = ty - state[1];
                distance = Math.Sqrt((dx * dx) + (dy * dy));
            }

            var heading = Math.Atan2(dy, dx) + (SteeringNoise * Gaussian.Next(random));
            // Do not overshoot a waypoint by much: the dot moves 2 px per unit of action.
            var magnitude = Math.Min(Magnitude(random), Math.Max(StepMin, distance / WallDynamics.ActionScale));
            return Noisy(random, magnitude * Math.Cos(heading), magnitude * Math.Sin(heading));
        };
    }

    private (double X, double Y) TargetOnSide(Random random, int side)
    {
        var low = side < 0 ? WallEnvironment.SampleLow : Layout.WallX + WallEnvironment.BandOffset;
        var high = side < 0 ? Layout.WallX - WallEnvironment.BandOffset : WallEnvironment.SampleHigh;
        var x = low + ((high - low) * random.NextDouble());
        var y = WallEnvironment.SampleLow + ((WallEnvironment.SampleHigh - WallEnvironment.SampleLow) * random.NextDouble());
        return (x, y);
    }
}
