namespace WmQuant.Environments.Wall;

/// <summary>
/// DotWall motion: the dot moves 2 px per unit action along a straight segment; if the segment
/// enters a wall, the dot stops where it first meets a wall face and is pushed 0.5 px back out
/// along that face's normal. Faces are axis-aligned, so an exactly vertical (or horizontal) move
/// can never cross a face parallel to it: the crossing test needs no division by a zero component.
/// </summary>
public static class WallDynamics
{
    /// <summary>Pixels moved per unit of action.</summary>
    public const double ActionScale = 2.0;

    /// <summary>Distance the dot is pushed back off a wall face it hit.</summary>
    public const double PushBack = 0.5;

    /// <summary>Next position from (<paramref name="x"/>, <paramref name="y"/>) under action (<paramref name="ax"/>, <paramref name="ay"/>).</summary>
    public static (double X, double Y) Step(WallLayout layout, double x, double y, double ax, double ay)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var tx = x + (ActionScale * ax);
        var ty = y + (ActionScale * ay);
        var best = double.PositiveInfinity;
        var hit = (X: tx, Y: ty);

        void Consider(bool vertical, double coordinate, double low, double high, int normalSign)
        {
            // The face is at x = coordinate (vertical) or y = coordinate; its free side is along normalSign.
            var from = vertical ? x : y;
            var to = vertical ? tx : ty;
            var enters = normalSign > 0 ? from >= coordinate && to < coordinate : from <= coordinate && to > coordinate;
            if (!enters)
            {
                return;
            }

            var t = (coordinate - from) / (to - from);
            var along = vertical ? y + (t * (ty - y)) : x + (t * (tx - x));
            if (along < low || along > high || t >= best)
            {
                return;
            }

            best = t;
            hit = vertical
                ? (coordinate + (normalSign * PushBack), along)
                : (along, coordinate + (normalSign * PushBack));
        }

        const double Inf = double.PositiveInfinity;
        Consider(true, WallLayout.BorderLow, -Inf, Inf, +1);
        Consider(true, WallLayout.BorderHigh, -Inf, Inf, -1);
        Consider(false, WallLayout.BorderLow, -Inf, Inf, +1);
        Consider(false, WallLayout.BorderHigh, -Inf, Inf, -1);

        // Lower block [left, right] × [BorderLow, DoorLow] and upper block [left, right] × [DoorHigh, BorderHigh].
        Consider(true, layout.LeftFace, -Inf, layout.DoorLow, -1);
        Consider(true, layout.RightFace, -Inf, layout.DoorLow, +1);
        Consider(false, layout.DoorLow, layout.LeftFace, layout.RightFace, +1);
        Consider(true, layout.LeftFace, layout.DoorHigh, Inf, -1);
        Consider(true, layout.RightFace, layout.DoorHigh, Inf, +1);
        Consider(false, layout.DoorHigh, layout.LeftFace, layout.RightFace, -1);
        return hit;
    }
}
