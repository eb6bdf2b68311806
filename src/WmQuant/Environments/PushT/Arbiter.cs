namespace WmQuant.Environments.PushT;

/// <summary>
/// The persistent record of one touching shape pair: its current contacts, their accumulated impulses
/// (warm starting) and its life-cycle state, which decides whether last step's impulses are re-applied.
/// </summary>
internal sealed class Arbiter
{
    public Arbiter(RigidBody a, RigidBody b)
    {
        BodyA = a;
        BodyB = b;
    }

    public enum Phase
    {
        FirstCollision,
        Normal,
        Cached,
    }

    public RigidBody BodyA { get; }

    public RigidBody BodyB { get; }

    public Phase State { get; set; } = Phase.FirstCollision;

    public long Stamp { get; set; }

    public Vec2 Normal { get; private set; }

    public List<Contact> Contacts { get; private set; } = [];

    /// <summary>Adopts freshly generated contacts (absolute positions), inheriting impulses from matching old contacts.</summary>
    public void Update(List<Contact> fresh, Vec2 normal)
    {
        foreach (var con in fresh)
        {
            con.R1 = con.R1 - BodyA.P;
            con.R2 = con.R2 - BodyB.P;
            con.NormalImpulse = 0;
            con.TangentImpulse = 0;
            foreach (var old in Contacts)
            {
                if (old.FeatureKey == con.FeatureKey)
                {
                    con.NormalImpulse = old.NormalImpulse;
                    con.TangentImpulse = old.TangentImpulse;
                }
            }
        }

        Contacts = fresh;
        Normal = normal;
        if (State == Phase.Cached)
        {
            State = Phase.FirstCollision;
        }
    }

    public void PreStep(double dt, double slop, double biasCoefficient)
    {
        var a = BodyA;
        var b = BodyB;
        var n = Normal;
        var bodyDelta = b.P - a.P;
        foreach (var con in Contacts)
        {
            con.NormalMass = 1.0 / KScalar(a, b, con.R1, con.R2, n);
            con.TangentMass = 1.0 / KScalar(a, b, con.R1, con.R2, n.Perp);
            var dist = Vec2.Dot(con.R2 - con.R1 + bodyDelta, n);
            con.Bias = -biasCoefficient * Math.Min(0.0, dist + slop) / dt;
            con.BiasImpulse = 0;
            con.Bounce = 0; // elasticity 0
        }
    }

    public void ApplyCachedImpulse(double dtCoefficient)
    {
        if (State == Phase.FirstCollision)
        {
            return;
        }

        foreach (var con in Contacts)
        {
            var j = Normal.Rotate(new Vec2(con.NormalImpulse, con.TangentImpulse));
            ApplyImpulses(j * dtCoefficient, con.R1, con.R2);
        }
    }

    public void ApplyImpulse()
    {
        var a = BodyA;
        var b = BodyB;
        var n = Normal;
        foreach (var con in Contacts)
        {
            var r1 = con.R1;
            var r2 = con.R2;
            var vb1 = a.VBias + (r1.Perp * a.WBias);
            var vb2 = b.VBias + (r2.Perp * b.WBias);
            var vr = (b.V + (r2.Perp * b.W)) - (a.V + (r1.Perp * a.W));
            var vbn = Vec2.Dot(vb2 - vb1, n);
            var vrn = Vec2.Dot(vr, n);
            var vrt = Vec2.Dot(vr, n.Perp);

            var jbn = (con.Bias - vbn) * con.NormalMass;
            var jbnOld = con.BiasImpulse;
            con.BiasImpulse = Math.Max(jbnOld + jbn, 0.0);

            var jn = -(con.Bounce + vrn) * con.NormalMass;
            var jnOld = con.NormalImpulse;
            con.NormalImpulse = Math.Max(jnOld + jn, 0.0);

            // Friction 0: the tangent impulse is clamped to [−0, 0].
            var jtMax = 0.0 * con.NormalImpulse;
            var jt = -vrt * con.TangentMass;
            var jtOld = con.TangentImpulse;
            con.TangentImpulse = Math.Clamp(jtOld + jt, -jtMax, jtMax);

            var jBias = n * (con.BiasImpulse - jbnOld);
            a.ApplyBiasImpulse(-jBias, r1);
            b.ApplyBiasImpulse(jBias, r2);
            ApplyImpulses(n.Rotate(new Vec2(con.NormalImpulse - jnOld, con.TangentImpulse - jtOld)), r1, r2);
        }
    }

    private void ApplyImpulses(Vec2 j, Vec2 r1, Vec2 r2)
    {
        BodyA.ApplyImpulse(-j, r1);
        BodyB.ApplyImpulse(j, r2);
    }

    private static double KScalar(RigidBody a, RigidBody b, Vec2 r1, Vec2 r2, Vec2 n)
    {
        var c1 = Vec2.Cross(r1, n);
        var c2 = Vec2.Cross(r2, n);
        return (a.MassInverse + (a.MomentInverse * c1 * c1)) + (b.MassInverse + (b.MomentInverse * c2 * c2));
    }
}
