using SkiaSharp;
using WmQuant.Environments.Rendering;

namespace WmQuant.Environments.PushT;

/// <summary>
/// Draws PushT with SkiaSharp directly at the requested size (the 512 px world scaled to fit, with
/// antialiasing) instead of rendering 512 px and resizing: white floor, light-grey walls, the goal T
/// as a fixed light-green anchor at (256, 256, π/4), the pusher as a royal-blue disc with a lighter
/// inner disc of radius 11, and the T filled light slate grey with a slate outline.
/// </summary>
public sealed class PushTRenderer : IFrameRenderer
{
    /// <summary>Pose of the fixed visual goal anchor (x, y, angle).</summary>
    public static readonly (double X, double Y, double Angle) GoalPose = (256, 256, Math.PI / 4);

    private static readonly SKColor Floor = new(255, 255, 255);
    private static readonly SKColor WallColor = new(211, 211, 211);
    private static readonly SKColor GoalColor = new(144, 238, 144);
    private static readonly SKColor BlockFill = new(142, 163, 183);
    private static readonly SKColor BlockOutline = new(119, 136, 153);
    private static readonly SKColor AgentColor = new(65, 105, 225);
    private static readonly SKColor AgentInner = new(78, 126, 255);

    /// <inheritdoc />
    public RgbFrame Render(ReadOnlySpan<double> state, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Floor);
            canvas.Scale((float)(size / PushTGeometry.WorldSize));
            using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
            using var stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round };

            stroke.Color = WallColor;
            stroke.StrokeWidth = (float)(2 * PushTGeometry.WallRadius);
            foreach (var w in PushTGeometry.Walls)
            {
                canvas.DrawLine((float)w.Ax, (float)w.Ay, (float)w.Bx, (float)w.By, stroke);
            }

            fill.Color = GoalColor;
            DrawT(canvas, GoalPose.X, GoalPose.Y, GoalPose.Angle, fill, null);

            fill.Color = AgentColor;
            canvas.DrawCircle((float)state[0], (float)state[1], (float)PushTGeometry.AgentRadius, fill);
            fill.Color = AgentInner;
            canvas.DrawCircle((float)state[0], (float)state[1], (float)(PushTGeometry.AgentRadius - 4), fill);

            fill.Color = BlockFill;
            stroke.Color = BlockOutline;
            stroke.StrokeWidth = 2;
            DrawT(canvas, state[2], state[3], state[4], fill, stroke);
        }

        var rgba = bitmap.Bytes;
        var rgb = new byte[size * size * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }

        return new RgbFrame(size, size, rgb);
    }

    private static void DrawT(SKCanvas canvas, double x, double y, double angle, SKPaint fill, SKPaint? outline)
    {
        var c = Math.Cos(angle);
        var s = Math.Sin(angle);
        foreach (var part in new[] { PushTGeometry.BarVertices, PushTGeometry.StemVertices })
        {
            using var path = new SKPath();
            for (var i = 0; i < part.Count; i++)
            {
                var (vx, vy) = part[i];
                var wx = (float)(x + (c * vx) - (s * vy));
                var wy = (float)(y + (s * vx) + (c * vy));
                if (i == 0)
                {
                    path.MoveTo(wx, wy);
                }
                else
                {
                    path.LineTo(wx, wy);
                }
            }

            path.Close();
            canvas.DrawPath(path, fill);
            if (outline is not null)
            {
                canvas.DrawPath(path, outline);
            }
        }
    }
}
