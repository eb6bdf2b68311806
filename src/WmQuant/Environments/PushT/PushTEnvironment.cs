using WmQuant.Environments.Rendering;

namespace WmQuant.Environments.PushT;

/// <summary>
/// PushT: push a T-shaped block with a circular pusher. Physics at 100 Hz, control at 10 Hz: each
/// <see cref="Step"/> sets a target at agent position + 100·action and runs 10 physics substeps, each
/// preceded by the PD update v += (100·(target − pos) − 20·v)·dt of the kinematic pusher.
/// State (7): agent x, y, block x, y, block angle mod 2π, agent vx, vy. Proprio (4): agent x, y, vx, vy.
/// </summary>
public sealed class PushTEnvironment : IPlanningEnvironment
{
    /// <summary>Physics rate in Hz.</summary>
    public const int PhysicsHz = 100;

    /// <summary>Control rate in Hz.</summary>
    public const int ControlHz = 10;

    /// <summary>Proportional gain of the pusher's PD controller.</summary>
    public const double Kp = 100;

    /// <summary>Damping gain of the pusher's PD controller.</summary>
    public const double Kv = 20;

    /// <summary>Pixels of target offset per unit of (relative) action.</summary>
    public const double ActionScale = 100;

    /// <summary>Position tolerance of the success test, in pixels, over agent and block positions.</summary>
    public const double SuccessPositionTolerance = 20;

    /// <summary>Angle tolerance of the success test (π/9).</summary>
    public const double SuccessAngleTolerance = Math.PI / 9;

    private const double Dt = 1.0 / PhysicsHz;
    private readonly PushTRenderer _renderer = new();
    private readonly IEpisodeSampler _sampler;
    private PushTSpace _space = new();

    /// <summary>Creates the task, observed at <paramref name="imageSize"/> px, with goals from <paramref name="sampler"/> (scripted "dset"-style replay goals at demonstration pace when null).</summary>
    public PushTEnvironment(int imageSize = 224, IEpisodeSampler? sampler = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageSize);
        ImageSize = imageSize;
        _sampler = sampler ?? new PushTReplayGoalSampler();
        SetState([256, 400, 256, 300, 0]);
    }

    /// <inheritdoc />
    public string Name => "pusht";

    /// <inheritdoc />
    public int ActionDim => 2;

    /// <inheritdoc />
    public int ProprioDim => 4;

    /// <inheritdoc />
    public int StateDim => 7;

    /// <inheritdoc />
    public int ImageSize { get; }

    /// <summary>The renderer, for drawing arbitrary states (goal images, dataset frames).</summary>
    public IFrameRenderer Renderer => _renderer;

    /// <summary>Whether the block touched a wall during the last physics substep.</summary>
    public bool WallContact => _space.WallContactInLastStep;

    /// <inheritdoc />
    public EpisodeSpec SampleEpisode(int seed) => _sampler.Sample(seed);

    /// <inheritdoc />
    public Observation Reset(int seed)
    {
        SetState(SampleEpisode(seed).StartState);
        return Observe();
    }

    /// <summary>
    /// Rebuilds the world in <paramref name="state"/> (5 values, or 7 with the agent's velocity) and, as
    /// upstream does, runs one physics substep so overlapping bodies separate. Contact history is reset.
    /// </summary>
    public void SetState(ReadOnlySpan<double> state)
    {
        if (state.Length is not (5 or 7))
        {
            throw new ArgumentException($"PushT state has 5 or 7 values, got {state.Length}.", nameof(state));
        }

        _space = new PushTSpace();
        _space.Agent.SetOrigin(new Vec2(state[0], state[1]));
        if (state.Length == 7)
        {
            _space.Agent.V = new Vec2(state[5], state[6]);
        }

        // Angle first: rotating about the centre of gravity would otherwise move the origin just placed.
        _space.Block.SetAngle(state[4]);
        _space.Block.SetOrigin(new Vec2(state[2], state[3]));
        _space.Step(Dt);
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<double> action)
    {
        if (action.Length != ActionDim)
        {
            throw new ArgumentException($"PushT action has {ActionDim} values, got {action.Length}.", nameof(action));
        }

        var origin = _space.Agent.Origin;
        var target = new Vec2(origin.X + (ActionScale * action[0]), origin.Y + (ActionScale * action[1]));
        for (var i = 0; i < PhysicsHz / ControlHz; i++)
        {
            StepPhysics(target);
        }
    }

    /// <summary>One 10 ms substep toward an absolute <paramref name="target"/> (the parity tests drive this directly).</summary>
    internal void StepPhysics(Vec2 target)
    {
        var agent = _space.Agent;
        var pos = agent.Origin;
        var ax = (Kp * (target.X - pos.X)) + (Kv * (0.0 - agent.V.X));
        var ay = (Kp * (target.Y - pos.Y)) + (Kv * (0.0 - agent.V.Y));
        agent.V = new Vec2(agent.V.X + (ax * Dt), agent.V.Y + (ay * Dt));
        _space.Step(Dt);
    }

    /// <inheritdoc />
    public void CopyState(Span<double> destination)
    {
        var agent = _space.Agent;
        var block = _space.Block;
        destination[0] = agent.Origin.X;
        destination[1] = agent.Origin.Y;
        destination[2] = block.Origin.X;
        destination[3] = block.Origin.Y;
        destination[4] = WrapAngle(block.Angle);
        destination[5] = agent.V.X;
        destination[6] = agent.V.Y;
    }

    /// <summary>The raw (unwrapped) block angle, for comparisons that must not jump at 2π.</summary>
    internal double BlockAngle => _space.Block.Angle;

    /// <inheritdoc />
    public void CopyProprio(Span<double> destination)
    {
        var agent = _space.Agent;
        destination[0] = agent.Origin.X;
        destination[1] = agent.Origin.Y;
        destination[2] = agent.V.X;
        destination[3] = agent.V.Y;
    }

    /// <summary>The current state as a new array.</summary>
    public double[] GetState()
    {
        var s = new double[StateDim];
        CopyState(s);
        return s;
    }

    /// <inheritdoc />
    public bool IsSuccess(ReadOnlySpan<double> goalState) => IsSuccess(GetState(), goalState);

    /// <summary>The PushT success rule: ‖goal[:4] − state[:4]‖ &lt; 20 px and wrapped angle error &lt; π/9.</summary>
    public static bool IsSuccess(ReadOnlySpan<double> state, ReadOnlySpan<double> goalState)
    {
        var sq = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var d = goalState[i] - state[i];
            sq += d * d;
        }

        var angle = Math.Abs(goalState[4] - state[4]);
        angle = Math.Min(angle, (2 * Math.PI) - angle);
        return Math.Sqrt(sq) < SuccessPositionTolerance && angle < SuccessAngleTolerance;
    }

    /// <inheritdoc />
    public double StateDistance(ReadOnlySpan<double> goalState)
    {
        Span<double> s = stackalloc double[StateDim];
        CopyState(s);
        var sq = 0.0;
        var n = Math.Min(goalState.Length, StateDim);
        for (var i = 0; i < n; i++)
        {
            var d = goalState[i] - s[i];
            sq += d * d;
        }

        return Math.Sqrt(sq);
    }

    /// <inheritdoc />
    public RgbFrame Render(int size) => _renderer.Render(GetState(), size);

    /// <inheritdoc />
    public Observation Observe()
    {
        var proprio = new double[ProprioDim];
        CopyProprio(proprio);
        return new Observation(Render(ImageSize), proprio);
    }

    /// <summary>An angle in [0, 2π), as Python's modulo gives it.</summary>
    public static double WrapAngle(double angle)
    {
        var tau = 2 * Math.PI;
        var r = angle % tau;
        return r < 0 ? r + tau : r;
    }
}
