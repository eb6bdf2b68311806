namespace WmQuant.Environments.PushT;

/// <summary>
/// Contact generation for the two pairs PushT needs: circle (pusher) against convex polygon (T halves)
/// and rounded static segment (wall) against convex polygon. Closest features are found in closed
/// form rather than by GJK; the normal convention (from shape A towards shape B), contact placement and
/// the edge clipping that yields up to two contacts per segment/polygon pair follow the reference engine.
/// </summary>
internal static class Narrowphase
{
    /// <summary>Normal and signed distance of the closest features (negative when the cores overlap).</summary>
    private readonly record struct Separation(Vec2 Normal, double Distance, Vec2 PointA, Vec2 PointB);

    public static bool CircleToPolygon(Vec2 centre, double radius, ConvexPolygon poly, List<Contact> contacts, out Vec2 normal)
    {
        var s = PointToPolygon(centre, poly);
        normal = s.Normal;
        if (s.Distance > radius)
        {
            return false;
        }

        contacts.Add(new Contact { R1 = s.PointA + (s.Normal * radius), R2 = s.PointB, FeatureKey = 0 });
        return true;
    }

    public static bool SegmentToPolygon(in WallSegment seg, ConvexPolygon poly, List<Contact> contacts, out Vec2 normal)
    {
        normal = Vec2.Zero;
        if (poly.MaxX < seg.MinX || poly.MinX > seg.MaxX || poly.MaxY < seg.MinY || poly.MinY > seg.MaxY)
        {
            return false;
        }

        var s = SegmentToPolygonSeparation(seg, poly);
        if (s.Distance - seg.Radius > 0)
        {
            return false;
        }

        normal = s.Normal;
        ClipEdges(seg, poly, s, contacts);
        return contacts.Count > 0;
    }

    private static Separation PointToPolygon(Vec2 c, ConvexPolygon poly)
    {
        var n = poly.Count;
        var inside = true;
        var bestDistSq = double.PositiveInfinity;
        var best = Vec2.Zero;
        var bestEdge = -1;
        var bestInterior = false;
        for (var i = 0; i < n; i++)
        {
            var a = poly.Vertices[(i - 1 + n) % n];
            var b = poly.Vertices[i];
            if (Vec2.Dot(poly.Normals[i], c - b) > 0)
            {
                inside = false;
            }

            var e = b - a;
            var t = Math.Clamp(Vec2.Dot(c - a, e) / Vec2.Dot(e, e), 0, 1);
            var q = a + (e * t);
            var dsq = Vec2.Dot(q - c, q - c);
            if (dsq < bestDistSq)
            {
                bestDistSq = dsq;
                best = q;
                bestEdge = i;
                bestInterior = t > 0 && t < 1;
            }
        }

        if (inside)
        {
            // Deepest-penetration case: leave through the nearest edge.
            var maxSep = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
            {
                var sep = Vec2.Dot(poly.Normals[i], c - poly.Vertices[i]);
                if (sep > maxSep)
                {
                    maxSep = sep;
                    bestEdge = i;
                }
            }

            var normalIn = -poly.Normals[bestEdge];
            var onEdge = c - (poly.Normals[bestEdge] * maxSep);
            return new Separation(normalIn, Vec2.Dot(normalIn, onEdge - c), c, onEdge);
        }

        var delta = best - c;
        if (bestInterior)
        {
            var edgeNormal = -poly.Normals[bestEdge];
            return new Separation(edgeNormal, Vec2.Dot(edgeNormal, delta), c, best);
        }

        var d = delta.Length;
        return new Separation(delta * (1.0 / (d + double.Epsilon)), d, c, best);
    }

    private static Separation SegmentToPolygonSeparation(WallSegment seg, ConvexPolygon poly)
    {
        if (!CoresOverlap(seg, poly))
        {
            var best = new Separation(Vec2.Zero, double.PositiveInfinity, Vec2.Zero, Vec2.Zero);
            var n = poly.Count;
            for (var i = 0; i < n; i++)
            {
                var v = poly.Vertices[i];
                var q = ClosestOnSegment(seg.A, seg.B, v);
                best = Closer(best, q, v);
                var a = poly.Vertices[(i - 1 + n) % n];
                best = Closer(best, seg.A, ClosestOnSegment(a, v, seg.A));
                best = Closer(best, seg.B, ClosestOnSegment(a, v, seg.B));
            }

            return best;
        }

        // Cores overlap: minimum translation over the axes of the Minkowski difference (segment normal both ways, polygon normals).
        var result = new Separation(Vec2.Zero, double.NegativeInfinity, Vec2.Zero, Vec2.Zero);
        void Axis(Vec2 axis)
        {
            var polyMin = double.PositiveInfinity;
            foreach (var v in poly.Vertices)
            {
                polyMin = Math.Min(polyMin, Vec2.Dot(v, axis));
            }

            var segMax = Math.Max(Vec2.Dot(seg.A, axis), Vec2.Dot(seg.B, axis));
            var sep = polyMin - segMax;
            if (sep > result.Distance)
            {
                result = new Separation(axis, sep, Vec2.Zero, Vec2.Zero);
            }
        }

        Axis(seg.Normal);
        Axis(-seg.Normal);
        foreach (var normal in poly.Normals)
        {
            Axis(-normal);
        }

        return result;
    }

    private static Separation Closer(Separation current, Vec2 a, Vec2 b)
    {
        var delta = b - a;
        var d = delta.Length;
        return d < current.Distance ? new Separation(delta * (1.0 / (d + double.Epsilon)), d, a, b) : current;
    }

    private static Vec2 ClosestOnSegment(Vec2 a, Vec2 b, Vec2 p)
    {
        var e = b - a;
        var t = Math.Clamp(Vec2.Dot(p - a, e) / Vec2.Dot(e, e), 0, 1);
        return a + (e * t);
    }

    private static bool CoresOverlap(in WallSegment seg, ConvexPolygon poly)
    {
        // Separating-axis test between the zero-width segment and the polygon.
        var sa = SideOfLine(seg, poly);
        if (sa)
        {
            return false;
        }

        var n = poly.Count;
        for (var i = 0; i < n; i++)
        {
            var normal = poly.Normals[i];
            var limit = Vec2.Dot(normal, poly.Vertices[i]);
            if (Vec2.Dot(normal, seg.A) > limit && Vec2.Dot(normal, seg.B) > limit)
            {
                return false;
            }
        }

        return true;
    }

    private static bool SideOfLine(in WallSegment seg, ConvexPolygon poly)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        var offset = Vec2.Dot(seg.Normal, seg.A);
        foreach (var v in poly.Vertices)
        {
            var d = Vec2.Dot(seg.Normal, v) - offset;
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }

        return min > 0 || max < 0;
    }

    private readonly record struct EdgePoint(Vec2 P, int Feature);

    private static void ClipEdges(in WallSegment seg, ConvexPolygon poly, Separation s, List<Contact> contacts)
    {
        var n = s.Normal;

        // Support edge of the segment facing the polygon.
        EdgePoint e1a, e1b;
        if (Vec2.Dot(seg.Normal, n) > 0)
        {
            e1a = new EdgePoint(seg.A, 0);
            e1b = new EdgePoint(seg.B, 1);
        }
        else
        {
            e1a = new EdgePoint(seg.B, 1);
            e1b = new EdgePoint(seg.A, 0);
        }

        // Support edge of the polygon facing the segment.
        var m = -n;
        var count = poly.Count;
        var i1 = poly.SupportIndex(m);
        var i0 = (i1 - 1 + count) % count;
        var i2 = (i1 + 1) % count;
        EdgePoint e2a, e2b;
        if (Vec2.Dot(m, poly.Normals[i1]) > Vec2.Dot(m, poly.Normals[i2]))
        {
            e2a = new EdgePoint(poly.Vertices[i0], i0);
            e2b = new EdgePoint(poly.Vertices[i1], i1);
        }
        else
        {
            e2a = new EdgePoint(poly.Vertices[i1], i1);
            e2b = new EdgePoint(poly.Vertices[i2], i2);
        }

        var r1 = seg.Radius;
        var d1a = Vec2.Cross(e1a.P, n);
        var d1b = Vec2.Cross(e1b.P, n);
        var d2a = Vec2.Cross(e2a.P, n);
        var d2b = Vec2.Cross(e2b.P, n);
        var e1Denom = 1.0 / (d1b - d1a + double.Epsilon);
        var e2Denom = 1.0 / (d2b - d2a + double.Epsilon);

        {
            var p1 = (n * r1) + Vec2.Lerp(e1a.P, e1b.P, Math.Clamp((d2b - d1a) * e1Denom, 0, 1));
            var p2 = Vec2.Lerp(e2a.P, e2b.P, Math.Clamp((d1a - d2a) * e2Denom, 0, 1));
            if (Vec2.Dot(p2 - p1, n) <= 0)
            {
                contacts.Add(new Contact { R1 = p1, R2 = p2, FeatureKey = (e1a.Feature << 8) | e2b.Feature });
            }
        }

        {
            var p1 = (n * r1) + Vec2.Lerp(e1a.P, e1b.P, Math.Clamp((d2a - d1a) * e1Denom, 0, 1));
            var p2 = Vec2.Lerp(e2a.P, e2b.P, Math.Clamp((d1b - d2a) * e2Denom, 0, 1));
            if (Vec2.Dot(p2 - p1, n) <= 0)
            {
                contacts.Add(new Contact { R1 = p1, R2 = p2, FeatureKey = (e1b.Feature << 8) | e2a.Feature });
            }
        }
    }
}
