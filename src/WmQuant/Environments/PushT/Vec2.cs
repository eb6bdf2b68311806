namespace WmQuant.Environments.PushT;

/// <summary>A 2-d vector in double precision with the operations the contact solver needs (named as in 2-d physics texts).</summary>
/// <param name="X">x component.</param>
/// <param name="Y">y component.</param>
public readonly record struct Vec2(double X, double Y)
{
    /// <summary>The zero vector.</summary>
    public static Vec2 Zero => default;

    /// <summary>Component-wise sum.</summary>
    public static Vec2 operator +(Vec2 a, Vec2 b) => new(a.X + b.X, a.Y + b.Y);

    /// <summary>Component-wise difference.</summary>
    public static Vec2 operator -(Vec2 a, Vec2 b) => new(a.X - b.X, a.Y - b.Y);

    /// <summary>Negation.</summary>
    public static Vec2 operator -(Vec2 a) => new(-a.X, -a.Y);

    /// <summary>Scaling by a scalar.</summary>
    public static Vec2 operator *(Vec2 a, double s) => new(a.X * s, a.Y * s);

    /// <summary>Dot product.</summary>
    public static double Dot(Vec2 a, Vec2 b) => (a.X * b.X) + (a.Y * b.Y);

    /// <summary>z of the 3-d cross product.</summary>
    public static double Cross(Vec2 a, Vec2 b) => (a.X * b.Y) - (a.Y * b.X);

    /// <summary>Rotated +90°.</summary>
    public Vec2 Perp => new(-Y, X);

    /// <summary>Rotated −90°.</summary>
    public Vec2 RPerp => new(Y, -X);

    /// <summary>Euclidean length.</summary>
    public double Length => Math.Sqrt(Dot(this, this));

    /// <summary>Unit vector in the same direction (the zero vector stays zero).</summary>
    public Vec2 Normalized => this * (1.0 / (Length + double.Epsilon));

    /// <summary>Complex multiplication: rotates this by the unit vector <paramref name="rotation"/>.</summary>
    public Vec2 Rotate(Vec2 rotation) => new((X * rotation.X) - (Y * rotation.Y), (X * rotation.Y) + (Y * rotation.X));

    /// <summary>Linear interpolation from <paramref name="a"/> (t = 0) to <paramref name="b"/> (t = 1).</summary>
    public static Vec2 Lerp(Vec2 a, Vec2 b, double t) => (a * (1.0 - t)) + (b * t);
}
