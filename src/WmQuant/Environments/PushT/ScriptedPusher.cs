namespace WmQuant.Environments.PushT;

/// <summary>
/// A scripted, noisy PushT policy standing in for upstream's human expert demonstrations (which are not
/// available here). It picks a random target for the block, walks the pusher to the far side of the
/// block, pushes towards the target, and picks a new target when the block arrives. Gaussian noise on
/// every action keeps the data diverse. All randomness comes from the seeded generator it is given.
/// </summary>
public sealed class ScriptedPusher
{
    /// <summary>Largest commanded displacement per step, in action units (×100 px), of the fast pusher.</summary>
    public const double MaxActionNorm = 0.6;

    /// <summary>
    /// Largest commanded displacement of a pusher paced like upstream's human demonstrations (206 episodes, 25,650
    /// steps: a whole task in about 125 steps); with it the block moves a median 30 px in 25 steps instead of 97.
    /// </summary>
    public const double DemoPaceActionNorm = 0.25;

    private readonly Random _random;
    private readonly double _noise;
    private readonly double _maxNorm;
    private (double X, double Y) _blockTarget;

    /// <summary>
    /// Creates the policy with its own seeded generator, action noise standard deviation <paramref name="noise"/>
    /// and largest commanded step <paramref name="maxActionNorm"/> (its pace).
    /// </summary>
    public ScriptedPusher(int seed, double noise = 0.05, double maxActionNorm = MaxActionNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxActionNorm);
        _random = new Random(seed);
        _noise = noise;
        _maxNorm = maxActionNorm;
        _blockTarget = NewTarget();
    }

    /// <summary>The next relative action for <paramref name="state"/> (a 7-d PushT state).</summary>
    public double[] Act(ReadOnlySpan<double> state)
    {
        var (cx, cy) = BlockCentre(state);
        var toTarget = (X: _blockTarget.X - cx, Y: _blockTarget.Y - cy);
        var distance = Math.Sqrt((toTarget.X * toTarget.X) + (toTarget.Y * toTarget.Y));
        if (distance < 15)
        {
            _blockTarget = NewTarget();
            toTarget = (_blockTarget.X - cx, _blockTarget.Y - cy);
            distance = Math.Sqrt((toTarget.X * toTarget.X) + (toTarget.Y * toTarget.Y));
        }

        var dx = toTarget.X / (distance + 1e-9);
        var dy = toTarget.Y / (distance + 1e-9);
        var behind = (X: cx - (dx * 75), Y: cy - (dy * 75));
        var ax = state[0];
        var ay = state[1];
        var offX = behind.X - ax;
        var offY = behind.Y - ay;
        var offset = Math.Sqrt((offX * offX) + (offY * offY));

        double tx, ty;
        if (offset > 25)
        {
            // Approach: go round the block (sidestep perpendicular to the push direction when the block is in the way).
            var toBlockX = cx - ax;
            var toBlockY = cy - ay;
            var ahead = (toBlockX * dx) + (toBlockY * dy) < 0 && Math.Sqrt((toBlockX * toBlockX) + (toBlockY * toBlockY)) < 110;
            tx = behind.X + (ahead ? -dy * 60 : 0);
            ty = behind.Y + (ahead ? dx * 60 : 0);
        }
        else
        {
            tx = ax + (dx * 40);
            ty = ay + (dy * 40);
        }

        var (actX, actY) = StepToward(state, tx, ty, _maxNorm);
        return [actX + (_noise * Gaussian.Next(_random)), actY + (_noise * Gaussian.Next(_random))];
    }

    /// <summary>The relative action that commands the pusher of <paramref name="state"/> to (<paramref name="x"/>, <paramref name="y"/>), shortened to at most <paramref name="maxNorm"/>.</summary>
    public static (double X, double Y) StepToward(ReadOnlySpan<double> state, double x, double y, double maxNorm)
    {
        var actX = (x - state[0]) / PushTEnvironment.ActionScale;
        var actY = (y - state[1]) / PushTEnvironment.ActionScale;
        var norm = Math.Sqrt((actX * actX) + (actY * actY));
        if (norm > maxNorm)
        {
            actX *= maxNorm / norm;
            actY *= maxNorm / norm;
        }

        return (actX, actY);
    }

    private (double X, double Y) NewTarget() => (140 + (232 * _random.NextDouble()), 140 + (232 * _random.NextDouble()));

    /// <summary>Centre of the T's bounding shape (its centre of gravity) for a PushT state, in world pixels.</summary>
    public static (double X, double Y) BlockCentre(ReadOnlySpan<double> state)
    {
        var c = Math.Cos(state[4]);
        var s = Math.Sin(state[4]);
        return (state[2] - (s * PushTGeometry.CentreOfGravityY), state[3] + (c * PushTGeometry.CentreOfGravityY));
    }
}
