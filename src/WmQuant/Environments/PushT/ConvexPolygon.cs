namespace WmQuant.Environments.PushT;

/// <summary>
/// A convex polygon attached to a body. Vertices are kept counter-clockwise starting at the lowest-x
/// (then lowest-y) vertex; normal i is the outward normal of the edge from vertex i−1 to vertex i.
/// World-space copies are refreshed once per physics step.
/// </summary>
internal sealed class ConvexPolygon
{
    private readonly Vec2[] _localVertices;
    private readonly Vec2[] _localNormals;

    public ConvexPolygon(RigidBody body, IReadOnlyList<Vec2> vertices)
    {
        Body = body;
        _localVertices = CounterClockwiseFromLowest(vertices);
        var n = _localVertices.Length;
        _localNormals = new Vec2[n];
        for (var i = 0; i < n; i++)
        {
            var a = _localVertices[(i - 1 + n) % n];
            var b = _localVertices[i];
            _localNormals[i] = (b - a).RPerp.Normalized;
        }

        Vertices = new Vec2[n];
        Normals = new Vec2[n];
        Refresh();
    }

    public RigidBody Body { get; }

    public Vec2[] Vertices { get; }

    public Vec2[] Normals { get; }

    public double MinX { get; private set; }

    public double MaxX { get; private set; }

    public double MinY { get; private set; }

    public double MaxY { get; private set; }

    public int Count => Vertices.Length;

    public IReadOnlyList<Vec2> LocalVertices => _localVertices;

    public void Refresh()
    {
        MinX = MinY = double.PositiveInfinity;
        MaxX = MaxY = double.NegativeInfinity;
        for (var i = 0; i < _localVertices.Length; i++)
        {
            var v = Vertices[i] = Body.LocalToWorld(_localVertices[i]);
            Normals[i] = Body.RotateLocal(_localNormals[i]);
            MinX = Math.Min(MinX, v.X);
            MaxX = Math.Max(MaxX, v.X);
            MinY = Math.Min(MinY, v.Y);
            MaxY = Math.Max(MaxY, v.Y);
        }
    }

    /// <summary>Index of the first vertex furthest along <paramref name="n"/>.</summary>
    public int SupportIndex(Vec2 n)
    {
        var max = double.NegativeInfinity;
        var index = 0;
        for (var i = 0; i < Vertices.Length; i++)
        {
            var d = Vec2.Dot(Vertices[i], n);
            if (d > max)
            {
                max = d;
                index = i;
            }
        }

        return index;
    }

    private static Vec2[] CounterClockwiseFromLowest(IReadOnlyList<Vec2> vertices)
    {
        var n = vertices.Count;
        var signedArea = 0.0;
        for (var i = 0; i < n; i++)
        {
            signedArea += Vec2.Cross(vertices[i], vertices[(i + 1) % n]);
        }

        var ordered = signedArea >= 0 ? vertices.ToArray() : vertices.Reverse().ToArray();
        var start = 0;
        for (var i = 1; i < n; i++)
        {
            if (ordered[i].X < ordered[start].X || (ordered[i].X == ordered[start].X && ordered[i].Y < ordered[start].Y))
            {
                start = i;
            }
        }

        return [.. ordered.Skip(start), .. ordered.Take(start)];
    }
}
