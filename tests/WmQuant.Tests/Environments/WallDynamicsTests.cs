using FsCheck;
using FsCheck.Fluent;
using WmQuant.Environments.Wall;

namespace WmQuant.Tests.Environments;

public class WallDynamicsTests
{
    private static readonly WallLayout Layout = WallLayout.Default;

    [Test]
    public void Free_move_is_two_pixels_per_action_unit()
    {
        var (x, y) = WallDynamics.Step(Layout, 10, 10, 1.5, -0.5);
        Assert.That((x, y), Is.EqualTo((13.0, 9.0)));
    }

    [Test]
    public void Move_into_the_wall_stops_at_the_face_and_is_pushed_back()
    {
        var (x, y) = WallDynamics.Step(Layout, 27, 10, 2, 0);
        Assert.That((x, y), Is.EqualTo((Layout.LeftFace - 0.5, 10.0)));
    }

    [Test]
    public void Move_through_the_door_passes()
    {
        var (x, y) = WallDynamics.Step(Layout, 28, Layout.DoorY, 4, 0);
        Assert.That((x, y), Is.EqualTo((36.0, Layout.DoorY)));
    }

    [Test]
    public void Exactly_vertical_move_inside_the_door_stops_at_the_door_edge()
    {
        var (x, y) = WallDynamics.Step(Layout, Layout.WallX, Layout.DoorY, 0, 5);
        Assert.That(x, Is.EqualTo(Layout.WallX));
        Assert.That(y, Is.EqualTo(Layout.DoorHigh - 0.5));
        var (x2, y2) = WallDynamics.Step(Layout, Layout.WallX, Layout.DoorY, 0, -5);
        Assert.That((x2, y2), Is.EqualTo((Layout.WallX, Layout.DoorLow + 0.5)));
    }

    [Test]
    public void Exactly_vertical_move_beside_the_wall_is_free_and_stopped_by_the_border()
    {
        var (x, y) = WallDynamics.Step(Layout, Layout.LeftFace - 0.25, 20, 0, 3);
        Assert.That((x, y), Is.EqualTo((Layout.LeftFace - 0.25, 26.0)));
        var (bx, by) = WallDynamics.Step(Layout, 10, 58, 0, 5);
        Assert.That((bx, by), Is.EqualTo((10.0, WallLayout.BorderHigh - 0.5)));
    }

    [Test]
    public void Diagonal_move_hits_the_first_face_on_its_path()
    {
        // From the left room, heading up-right into the lower block's left face before reaching the door height.
        var (x, y) = WallDynamics.Step(Layout, 27, 20, 2, 1);
        Assert.That(x, Is.EqualTo(Layout.LeftFace - 0.5));
        Assert.That(y, Is.EqualTo(21.0).Within(1e-12));
    }

    [Test]
    public void Random_walks_never_enter_a_wall_nor_cross_it_outside_the_door()
    {
        // Seeded loop over 20 layouts × 5,000 steps of large random actions.
        for (var layoutSeed = 0; layoutSeed < 20; layoutSeed++)
        {
            var layout = layoutSeed == 0 ? Layout : WallLayout.Sample(new Random(layoutSeed));
            var random = new Random(1000 + layoutSeed);
            double x = 10, y = layout.DoorY;
            for (var step = 0; step < 5000; step++)
            {
                var ax = (random.NextDouble() * 8) - 4;
                var ay = (random.NextDouble() * 8) - 4;
                if (random.NextDouble() < 0.1)
                {
                    ax = 0; // exactly vertical moves are part of the property
                }

                var (nx, ny) = WallDynamics.Step(layout, x, y, ax, ay);
                Assert.That(layout.IsInsideSolid(nx, ny), Is.False, $"layout {layoutSeed} step {step}: ({nx}, {ny}) inside a wall");
                Assert.That(SegmentCrossesSolid(layout, x, y, nx, ny), Is.False, $"layout {layoutSeed} step {step}: path ({x},{y})→({nx},{ny}) crosses a wall");
                x = nx;
                y = ny;
            }
        }
    }

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property Every_step_keeps_the_dot_in_free_space()
    {
        var coordinate = Gen.Choose(0, 100000).Select(i => WallLayout.BorderLow + ((WallLayout.BorderHigh - WallLayout.BorderLow) * i / 100000.0));
        var action = Gen.Choose(-400000, 400000).Select(i => i / 100000.0);
        var gen = from x in coordinate
                  from y in coordinate
                  from ax in action
                  from ay in action
                  select (x, y, ax, ay);
        return Prop.ForAll(gen.ToArbitrary(), s =>
        {
            if (Layout.IsInsideSolid(s.x, s.y))
            {
                return true; // only free starting points are meaningful
            }

            var (nx, ny) = WallDynamics.Step(Layout, s.x, s.y, s.ax, s.ay);
            return !Layout.IsInsideSolid(nx, ny) && !SegmentCrossesSolid(Layout, s.x, s.y, nx, ny);
        });
    }

    [Test]
    public void Crossing_from_one_room_to_the_other_happens_only_through_the_door()
    {
        var random = new Random(7);
        var crossings = 0;
        for (var trial = 0; trial < 20000; trial++)
        {
            var x = Layout.LeftFace - (random.NextDouble() * 3);
            var y = WallLayout.BorderLow + (random.NextDouble() * 56);
            var (nx, ny) = WallDynamics.Step(Layout, x, y, 4, (random.NextDouble() * 2) - 1);
            if (nx > Layout.RightFace)
            {
                crossings++;
                // The straight path met x = wall_x inside the door opening.
                var t = (Layout.WallX - x) / (nx - x);
                var yAtWall = y + (t * (ny - y));
                Assert.That(yAtWall, Is.InRange(Layout.DoorLow, Layout.DoorHigh));
            }
        }

        Assert.That(crossings, Is.GreaterThan(100), "no crossings sampled: the door test would be vacuous");
    }

    // Independent check: does the open segment pass through the interior of a solid rectangle? (Liang–Barsky clipping.)
    private static bool SegmentCrossesSolid(WallLayout layout, double x0, double y0, double x1, double y1)
    {
        const double Eps = 1e-9;
        (double, double, double, double)[] solids =
        [
            (layout.LeftFace, layout.RightFace, double.NegativeInfinity, layout.DoorLow),
            (layout.LeftFace, layout.RightFace, layout.DoorHigh, double.PositiveInfinity),
            (double.NegativeInfinity, WallLayout.BorderLow, double.NegativeInfinity, double.PositiveInfinity),
            (WallLayout.BorderHigh, double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity),
            (double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity, WallLayout.BorderLow),
            (double.NegativeInfinity, double.PositiveInfinity, WallLayout.BorderHigh, double.PositiveInfinity),
        ];
        foreach (var (xmin, xmax, ymin, ymax) in solids)
        {
            double t0 = 0, t1 = 1;
            var dx = x1 - x0;
            var dy = y1 - y0;
            if (Clip(-dx, x0 - (xmin + Eps), ref t0, ref t1) && Clip(dx, (xmax - Eps) - x0, ref t0, ref t1)
                && Clip(-dy, y0 - (ymin + Eps), ref t0, ref t1) && Clip(dy, (ymax - Eps) - y0, ref t0, ref t1) && t0 < t1)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Clip(double p, double q, ref double t0, ref double t1)
    {
        if (p == 0)
        {
            return q >= 0;
        }

        var r = q / p;
        if (p < 0)
        {
            if (r > t1)
            {
                return false;
            }

            t0 = Math.Max(t0, r);
        }
        else
        {
            if (r < t0)
            {
                return false;
            }

            t1 = Math.Min(t1, r);
        }

        return true;
    }
}
