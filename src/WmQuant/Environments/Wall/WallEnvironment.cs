using WmQuant.Environments.Rendering;

namespace WmQuant.Environments.Wall;

/// <summary>
/// DotWall: a point agent in a 65 px room split by a wall with a door. State and proprio are the
/// 2-d position; actions are 2-d displacements (×2 px, unclipped); success is a position within
/// 4.5 px of the goal. Start and goal lie on opposite sides of the wall.
/// </summary>
public sealed class WallEnvironment : IPlanningEnvironment
{
    /// <summary>Success radius in pixels.</summary>
    public const double SuccessRadius = 4.5;

    /// <summary>Distance of the start/goal bands from the middle wall's centre line.</summary>
    public const double BandOffset = 6.4;

    /// <summary>Lowest sampled coordinate (border 4 plus 3.4 clearance).</summary>
    public const double SampleLow = 7.4;

    /// <summary>Highest sampled coordinate.</summary>
    public const double SampleHigh = 56.6;

    private WallRenderer _renderer;
    private double _x;
    private double _y;

    /// <summary>
    /// Creates the task on <paramref name="layout"/> (the upstream fixed layout when null), observed at
    /// <paramref name="imageSize"/> px. With <paramref name="randomLayouts"/>, every episode draws its own
    /// wall_x and door_y from its seed (<see cref="WallLayout.Sample"/>) and <see cref="Reset"/> adopts it.
    /// </summary>
    public WallEnvironment(WallLayout? layout = null, int imageSize = 224, bool randomLayouts = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);
        RandomLayouts = randomLayouts;
        Layout = layout ?? WallLayout.Default;
        ImageSize = imageSize;
        _renderer = new WallRenderer(Layout);
        _x = Layout.WallX - 10;
        _y = Layout.DoorY;
    }

    /// <summary>The wall geometry in force (changes on <see cref="Reset"/> or <see cref="UseLayout"/> when layouts are random).</summary>
    public WallLayout Layout { get; private set; }

    /// <summary>Whether each episode draws its own layout.</summary>
    public bool RandomLayouts { get; }

    /// <summary>Switches the geometry (for replaying an episode whose <see cref="EpisodeSpec.Parameters"/> name a layout).</summary>
    public void UseLayout(WallLayout layout)
    {
        Layout = layout ?? throw new ArgumentNullException(nameof(layout));
        _renderer = new WallRenderer(layout);
    }

    /// <inheritdoc />
    public string Name => "wall";

    /// <inheritdoc />
    public int ActionDim => 2;

    /// <inheritdoc />
    public int ProprioDim => 2;

    /// <inheritdoc />
    public int StateDim => 2;

    /// <inheritdoc />
    public int ImageSize { get; }

    /// <summary>The renderer, for drawing arbitrary states (goal images, dataset frames).</summary>
    public IFrameRenderer Renderer => _renderer;

    /// <summary>Start/goal sampling: x uniform in the bands on opposite sides (swapped with p 0.5), y uniform in [7.4, 56.6].</summary>
    public EpisodeSpec SampleEpisode(int seed)
    {
        var random = new Random(seed);
        var layout = RandomLayouts ? WallLayout.Sample(new Random(unchecked((seed * 31) + 7))) : Layout;
        var left = SampleLow + ((layout.WallX - BandOffset - SampleLow) * random.NextDouble());
        var right = layout.WallX + BandOffset + ((SampleHigh - layout.WallX - BandOffset) * random.NextDouble());
        var startY = SampleLow + ((SampleHigh - SampleLow) * random.NextDouble());
        var goalY = SampleLow + ((SampleHigh - SampleLow) * random.NextDouble());
        if (random.NextDouble() < 0.5)
        {
            (left, right) = (right, left);
        }

        var parameters = RandomLayouts ? new Dictionary<string, double> { ["wall_x"] = layout.WallX, ["door_y"] = layout.DoorY } : null;
        return new EpisodeSpec(seed, [left, startY], [right, goalY], parameters);
    }

    /// <inheritdoc />
    public Observation Reset(int seed)
    {
        var episode = SampleEpisode(seed);
        if (episode.Parameters is { } p)
        {
            UseLayout(new WallLayout(p["wall_x"], p["door_y"]));
        }

        SetState(episode.StartState);
        return Observe();
    }

    /// <inheritdoc />
    public void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length != StateDim)
        {
            throw new ArgumentException($"Wall state has {StateDim} values, got {state.Length}.", nameof(state));
        }

        _x = state[0];
        _y = state[1];
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<double> action)
    {
        if (action.Length != ActionDim)
        {
            throw new ArgumentException($"Wall action has {ActionDim} values, got {action.Length}.", nameof(action));
        }

        (_x, _y) = WallDynamics.Step(Layout, _x, _y, action[0], action[1]);
    }

    /// <inheritdoc />
    public void CopyState(Span<double> destination)
    {
        destination[0] = _x;
        destination[1] = _y;
    }

    /// <inheritdoc />
    public void CopyProprio(Span<double> destination) => CopyState(destination);

    /// <inheritdoc />
    public bool IsSuccess(ReadOnlySpan<double> goalState) => StateDistance(goalState) < SuccessRadius;

    /// <inheritdoc />
    public double StateDistance(ReadOnlySpan<double> goalState)
    {
        var dx = goalState[0] - _x;
        var dy = goalState[1] - _y;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    /// <inheritdoc />
    public RgbFrame Render(int size) => _renderer.Render([_x, _y], size);

    /// <inheritdoc />
    public Observation Observe() => new(Render(ImageSize), [_x, _y]);
}
