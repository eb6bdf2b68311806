namespace WmQuant.Environments.PushT;

/// <summary>
/// A 2-d rigid body as the sequential-impulse solver sees it. <see cref="P"/> is the centre of gravity
/// in world space; the body's own origin (what PushT reports as a position) is derived from it.
/// Kinematic and static bodies have zero inverse mass and moment, so impulses never move them.
/// </summary>
internal sealed class RigidBody
{
    public RigidBody(double massInverse, double momentInverse, Vec2 centreOfGravity, bool isKinematic)
    {
        MassInverse = massInverse;
        MomentInverse = momentInverse;
        CentreOfGravity = centreOfGravity;
        IsKinematic = isKinematic;
        UpdateTransform();
    }

    public double MassInverse { get; }

    public double MomentInverse { get; }

    public Vec2 CentreOfGravity { get; }

    /// <summary>Kinematic bodies keep the velocity they are given: the solver never integrates forces into them.</summary>
    public bool IsKinematic { get; }

    public Vec2 P;
    public double Angle;
    public Vec2 V;
    public double W;
    public Vec2 VBias;
    public double WBias;

    // Rigid transform local → world, kept in the same a, b, c, d, tx, ty form the reference engine uses.
    private double _ta = 1, _tb, _tc, _td = 1, _tx, _ty;

    /// <summary>(cos, sin) of <see cref="Angle"/>.</summary>
    public Vec2 Rotation => new(_ta, _tb);

    /// <summary>Where the body's local origin is in the world.</summary>
    public Vec2 Origin => new(_tx, _ty);

    public Vec2 LocalToWorld(Vec2 v) => new((_ta * v.X) + (_tc * v.Y) + _tx, (_tb * v.X) + (_td * v.Y) + _ty);

    public Vec2 RotateLocal(Vec2 v) => new((_ta * v.X) + (_tc * v.Y), (_tb * v.X) + (_td * v.Y));

    /// <summary>Moves the body so its origin is at <paramref name="origin"/>, keeping the angle.</summary>
    public void SetOrigin(Vec2 origin)
    {
        P = RotateLocal(CentreOfGravity) + origin;
        UpdateTransform();
    }

    /// <summary>Rotates about the centre of gravity (so the origin moves unless it is the centre of gravity).</summary>
    public void SetAngle(double angle)
    {
        Angle = angle;
        UpdateTransform();
    }

    public void IntegratePosition(double dt)
    {
        P = P + ((V + VBias) * dt);
        Angle += (W + WBias) * dt;
        UpdateTransform();
        VBias = Vec2.Zero;
        WBias = 0;
    }

    public void IntegrateVelocity(double damping, double dt)
    {
        if (IsKinematic || MassInverse == 0)
        {
            return;
        }

        // No gravity and no external forces in PushT: only damping acts (0 ⇒ quasi-static pushing).
        V = (V * damping) + (Vec2.Zero * dt);
        W = (W * damping) + (0.0 * dt);
    }

    public void ApplyImpulse(Vec2 j, Vec2 r)
    {
        V = V + (j * MassInverse);
        W += MomentInverse * Vec2.Cross(r, j);
    }

    public void ApplyBiasImpulse(Vec2 j, Vec2 r)
    {
        VBias = VBias + (j * MassInverse);
        WBias += MomentInverse * Vec2.Cross(r, j);
    }

    private void UpdateTransform()
    {
        var rx = Math.Cos(Angle);
        var ry = Math.Sin(Angle);
        var c = CentreOfGravity;
        _ta = rx;
        _tb = ry;
        _tc = -ry;
        _td = rx;
        _tx = P.X - ((c.X * rx) - (c.Y * ry));
        _ty = P.Y - ((c.X * ry) + (c.Y * rx));
    }
}
