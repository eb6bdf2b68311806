namespace WmQuant.Environments.Wall;

/// <summary>
/// Geometry of the DotWall world: a 65 px square bounded by border walls at 4 and 60, split by a
/// 6 px thick vertical wall at <see cref="WallX"/> with a door of half-height 4 centred at <see cref="DoorY"/>.
/// </summary>
/// <param name="WallX">Centre of the middle wall (its faces are at ±3).</param>
/// <param name="DoorY">Centre of the door; the opening is y ∈ [DoorY − 4, DoorY + 4].</param>
public sealed record WallLayout(double WallX = 32, double DoorY = 30)
{
    /// <summary>Native world and image size in pixels.</summary>
    public const int WorldSize = 65;

    /// <summary>Inner face of the low border walls.</summary>
    public const double BorderLow = 4;

    /// <summary>Inner face of the high border walls.</summary>
    public const double BorderHigh = 60;

    /// <summary>Half the thickness of the middle wall.</summary>
    public const double WallHalfThickness = 3;

    /// <summary>Half the height of the door opening.</summary>
    public const double DoorHalfHeight = 4;

    /// <summary>The upstream fixed layout (wall at 32, door at 30).</summary>
    public static WallLayout Default { get; } = new();

    /// <summary>x of the middle wall's left face.</summary>
    public double LeftFace => WallX - WallHalfThickness;

    /// <summary>x of the middle wall's right face.</summary>
    public double RightFace => WallX + WallHalfThickness;

    /// <summary>Lowest y of the door opening.</summary>
    public double DoorLow => DoorY - DoorHalfHeight;

    /// <summary>Highest y of the door opening.</summary>
    public double DoorHigh => DoorY + DoorHalfHeight;

    /// <summary>
    /// A random layout drawn from <paramref name="random"/>: wall_x in [16, 48] (so both start and goal
    /// bands stay non-empty) and door_y in [12, 52] (so the door stays inside the borders).
    /// </summary>
    public static WallLayout Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return new WallLayout(16 + (32 * random.NextDouble()), 12 + (40 * random.NextDouble()));
    }

    /// <summary>Whether (x, y) lies strictly inside a wall (border or middle wall outside the door).</summary>
    public bool IsInsideSolid(double x, double y)
    {
        if (x < BorderLow || x > BorderHigh || y < BorderLow || y > BorderHigh)
        {
            return true;
        }

        return x > LeftFace && x < RightFace && (y < DoorLow || y > DoorHigh);
    }
}
