namespace WmQuant.Environments.PushT;

/// <summary>A static rounded segment (a capsule) bounding the PushT arena.</summary>
internal readonly struct WallSegment
{
    public WallSegment(Vec2 a, Vec2 b, double radius)
    {
        A = a;
        B = b;
        Radius = radius;
        Normal = (b - a).Normalized.RPerp;
        MinX = Math.Min(a.X, b.X) - radius;
        MaxX = Math.Max(a.X, b.X) + radius;
        MinY = Math.Min(a.Y, b.Y) - radius;
        MaxY = Math.Max(a.Y, b.Y) + radius;
    }

    public Vec2 A { get; }

    public Vec2 B { get; }

    public double Radius { get; }

    public Vec2 Normal { get; }

    public double MinX { get; }

    public double MaxX { get; }

    public double MinY { get; }

    public double MaxY { get; }
}
