using WmQuant.Environments.PushT;
using static WmQuant.Tests.Environments.ChipmunkNative;

namespace WmQuant.Tests.Environments;

/// <summary>
/// The PushT scene built in Chipmunk exactly as the upstream Python environment builds it through pymunk:
/// walls first, then the kinematic pusher, then the T (moment from the bar counted twice, centre of
/// gravity halfway between the two halves' centroids); iterations 10, damping 0, no gravity.
/// Bodies and shapes are deliberately leaked (a few hundred bytes per scene): the debug build asserts on
/// some teardown orders and tests build only a few dozen scenes.
/// </summary>
internal sealed class ChipmunkPushTScene
{
    private const double Dt = 0.01;
    private readonly IntPtr _space;

    public ChipmunkPushTScene(ReadOnlySpan<double> state)
    {
        _space = cpSpaceNew();
        cpSpaceSetIterations(_space, 10);
        cpSpaceSetGravity(_space, new CpVect(0, 0));
        cpSpaceSetDamping(_space, 0);
        cpSpaceSetCollisionSlop(_space, 0.1);
        cpSpaceSetCollisionBias(_space, Math.Pow(1 - 0.1, 60));

        var staticBody = cpSpaceGetStaticBody(_space);
        foreach (var w in PushTGeometry.Walls)
        {
            cpSpaceAddShape(_space, cpSegmentShapeNew(staticBody, new CpVect(w.Ax, w.Ay), new CpVect(w.Bx, w.By), PushTGeometry.WallRadius));
        }

        Agent = cpSpaceAddBody(_space, cpBodyNewKinematic());
        cpBodySetPosition(Agent, new CpVect(state[0], state[1]));
        cpSpaceAddShape(_space, cpCircleShapeNew(Agent, PushTGeometry.AgentRadius, new CpVect(0, 0)));

        var bar = PushTGeometry.BarVertices.Select(v => new CpVect(v.X, v.Y)).ToArray();
        var stem = PushTGeometry.StemVertices.Select(v => new CpVect(v.X, v.Y)).ToArray();
        var moment = 2 * cpMomentForPoly(1, bar.Length, bar, new CpVect(0, 0), 0);
        Block = cpBodyNew(1, moment);
        var barShape = cpPolyShapeNew(Block, bar.Length, bar, CpTransform.Identity, 0);
        var stemShape = cpPolyShapeNew(Block, stem.Length, stem, CpTransform.Identity, 0);

        var c1 = cpShapeGetCenterOfGravity(barShape);
        var c2 = cpShapeGetCenterOfGravity(stemShape);
        cpBodySetCenterOfGravity(Block, new CpVect((c1.X + c2.X) / 2, (c1.Y + c2.Y) / 2));
        cpBodySetAngle(Block, state[4]);
        cpBodySetPosition(Block, new CpVect(state[2], state[3]));
        cpSpaceAddBody(_space, Block);
        cpSpaceAddShape(_space, barShape);
        cpSpaceAddShape(_space, stemShape);
        cpSpaceStep(_space, Dt);
    }

    public IntPtr Agent { get; }

    public IntPtr Block { get; }

    /// <summary>One control step toward agent position + 100·action, as ten PD-driven substeps.</summary>
    public void Step(double ax, double ay)
    {
        var origin = cpBodyGetPosition(Agent);
        var tx = origin.X + (PushTEnvironment.ActionScale * ax);
        var ty = origin.Y + (PushTEnvironment.ActionScale * ay);
        for (var i = 0; i < 10; i++)
        {
            var p = cpBodyGetPosition(Agent);
            var v = cpBodyGetVelocity(Agent);
            var accX = (PushTEnvironment.Kp * (tx - p.X)) + (PushTEnvironment.Kv * (0.0 - v.X));
            var accY = (PushTEnvironment.Kp * (ty - p.Y)) + (PushTEnvironment.Kv * (0.0 - v.Y));
            cpBodySetVelocity(Agent, new CpVect(v.X + (accX * Dt), v.Y + (accY * Dt)));
            cpSpaceStep(_space, Dt);
        }
    }

    public (double AgentX, double AgentY, double BlockX, double BlockY, double Angle) Pose()
    {
        var a = cpBodyGetPosition(Agent);
        var b = cpBodyGetPosition(Block);
        return (a.X, a.Y, b.X, b.Y, cpBodyGetAngle(Block));
    }
}
