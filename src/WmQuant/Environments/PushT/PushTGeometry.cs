namespace WmQuant.Environments.PushT;

/// <summary>
/// The fixed PushT scene, in world pixels (512 × 512, y pointing down as in the image): the T's two
/// halves in its local frame, its mass properties (upstream values, including the moment of 3000 that
/// upstream obtained by counting the bar twice), the pusher radius and the arena walls.
/// </summary>
public static class PushTGeometry
{
    /// <summary>Side of the square world in pixels.</summary>
    public const double WorldSize = 512;

    /// <summary>Radius of the circular pusher.</summary>
    public const double AgentRadius = 15;

    /// <summary>Mass of the T.</summary>
    public const double BlockMass = 1;

    /// <summary>Moment of inertia of the T about its centre of gravity.</summary>
    public const double BlockMoment = 3000;

    /// <summary>x of the T's centre of gravity in its local frame.</summary>
    public const double CentreOfGravityX = 0;

    /// <summary>y of the T's centre of gravity in its local frame.</summary>
    public const double CentreOfGravityY = 45;

    /// <summary>Radius of the wall segments.</summary>
    public const double WallRadius = 2;

    /// <summary>The bar of the T (x −60..60, y 0..30), as listed upstream.</summary>
    public static IReadOnlyList<(double X, double Y)> BarVertices { get; } = [(-60, 30), (60, 30), (60, 0), (-60, 0)];

    /// <summary>The stem of the T (x −15..15, y 30..120), as listed upstream.</summary>
    public static IReadOnlyList<(double X, double Y)> StemVertices { get; } = [(-15, 30), (-15, 120), (15, 120), (15, 30)];

    /// <summary>The four arena walls, endpoints as upstream lists them.</summary>
    public static IReadOnlyList<(double Ax, double Ay, double Bx, double By)> Walls { get; } =
    [
        (5, 506, 5, 5),
        (5, 5, 506, 5),
        (506, 5, 506, 506),
        (5, 506, 506, 506),
    ];
}
