namespace WmQuant.Environments.PushT;

/// <summary>
/// The PushT physics world: a kinematic circular pusher, a dynamic T made of two convex polygons and
/// four static rounded wall segments, advanced by a sequential-impulse solver in the reference engine's
/// step order: integrate positions, detect contacts, expire stale arbiters, pre-step, integrate
/// velocities, re-apply cached impulses, iterate impulses.
/// </summary>
internal sealed class PushTSpace
{
    private readonly ConvexPolygon[] _blockParts;
    private readonly WallSegment[] _walls;
    private readonly RigidBody _static = new(0, 0, Vec2.Zero, isKinematic: false);
    private readonly Dictionary<int, Arbiter> _cache = [];
    private readonly List<Arbiter> _active = [];
    private readonly List<int> _expired = [];
    private long _stamp;
    private double _currentDt;

    public PushTSpace()
    {
        Agent = new RigidBody(0, 0, Vec2.Zero, isKinematic: true);
        Block = new RigidBody(1.0 / PushTGeometry.BlockMass, 1.0 / PushTGeometry.BlockMoment, new Vec2(PushTGeometry.CentreOfGravityX, PushTGeometry.CentreOfGravityY), isKinematic: false);
        _blockParts = [
            new ConvexPolygon(Block, PushTGeometry.BarVertices.Select(v => new Vec2(v.X, v.Y)).ToArray()),
            new ConvexPolygon(Block, PushTGeometry.StemVertices.Select(v => new Vec2(v.X, v.Y)).ToArray()),
        ];
        _walls = PushTGeometry.Walls.Select(w => new WallSegment(new Vec2(w.Ax, w.Ay), new Vec2(w.Bx, w.By), PushTGeometry.WallRadius)).ToArray();
    }

    public RigidBody Agent { get; }

    public RigidBody Block { get; }

    /// <summary>Solver iterations per step.</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>Penetration allowed before position correction starts.</summary>
    public double CollisionSlop { get; init; } = 0.1;

    /// <summary>Fraction of overlap left uncorrected after one second.</summary>
    public double CollisionBias { get; init; } = Math.Pow(1.0 - 0.1, 60.0);

    /// <summary>Fraction of velocity kept after one second (0: bodies stop unless pushed).</summary>
    public double Damping { get; init; }

    /// <summary>Steps an arbiter survives without contact before its impulses are forgotten.</summary>
    public int CollisionPersistence { get; init; } = 3;

    /// <summary>Whether any wall touched the block during the last step (for parity bookkeeping).</summary>
    public bool WallContactInLastStep { get; private set; }

    internal IReadOnlyList<ConvexPolygon> BlockParts => _blockParts;

    public void Step(double dt)
    {
        if (dt == 0)
        {
            return;
        }

        _stamp++;
        var previousDt = _currentDt;
        _currentDt = dt;
        foreach (var arb in _active)
        {
            arb.State = Arbiter.Phase.Normal;
        }

        _active.Clear();

        Agent.IntegratePosition(dt);
        Block.IntegratePosition(dt);
        foreach (var part in _blockParts)
        {
            part.Refresh();
        }

        Collide();
        ExpireArbiters();

        var biasCoefficient = 1.0 - Math.Pow(CollisionBias, dt);
        foreach (var arb in _active)
        {
            arb.PreStep(dt, CollisionSlop, biasCoefficient);
        }

        var damping = Math.Pow(Damping, dt);
        Agent.IntegrateVelocity(damping, dt);
        Block.IntegrateVelocity(damping, dt);

        var dtCoefficient = previousDt == 0 ? 0 : dt / previousDt;
        foreach (var arb in _active)
        {
            arb.ApplyCachedImpulse(dtCoefficient);
        }

        for (var i = 0; i < Iterations; i++)
        {
            foreach (var arb in _active)
            {
                arb.ApplyImpulse();
            }
        }
    }

    private void Collide()
    {
        WallContactInLastStep = false;
        var centre = Agent.LocalToWorld(Vec2.Zero);
        for (var p = 0; p < _blockParts.Length; p++)
        {
            var contacts = new List<Contact>(1);
            if (Narrowphase.CircleToPolygon(centre, PushTGeometry.AgentRadius, _blockParts[p], contacts, out var normal))
            {
                Activate(Key(0, p), Agent, contacts, normal);
            }
        }

        for (var w = 0; w < _walls.Length; w++)
        {
            for (var p = 0; p < _blockParts.Length; p++)
            {
                var contacts = new List<Contact>(2);
                if (Narrowphase.SegmentToPolygon(_walls[w], _blockParts[p], contacts, out var normal))
                {
                    WallContactInLastStep = true;
                    Activate(Key(1 + w, p), _static, contacts, normal);
                }
            }
        }
    }

    private static int Key(int shapeA, int part) => (shapeA << 4) | part;

    private void Activate(int key, RigidBody bodyA, List<Contact> contacts, Vec2 normal)
    {
        if (!_cache.TryGetValue(key, out var arb))
        {
            arb = new Arbiter(bodyA, Block);
            _cache[key] = arb;
        }

        arb.Update(contacts, normal);
        arb.Stamp = _stamp;
        _active.Add(arb);
    }

    private void ExpireArbiters()
    {
        _expired.Clear();
        foreach (var (key, arb) in _cache)
        {
            var ticks = _stamp - arb.Stamp;
            if (ticks >= 1 && arb.State != Arbiter.Phase.Cached)
            {
                arb.State = Arbiter.Phase.Cached;
            }

            if (ticks >= CollisionPersistence)
            {
                _expired.Add(key);
            }
        }

        foreach (var key in _expired)
        {
            _cache.Remove(key);
        }
    }
}
