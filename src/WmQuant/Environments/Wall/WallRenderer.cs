using WmQuant.Environments.Rendering;

namespace WmQuant.Environments.Wall;

/// <summary>
/// Renders DotWall at its native 65 px: white floor, black walls, the agent a red Gaussian dot
/// (σ 1.7 px, peak 1; pixel = (255, 255 − I, 255 − I), I = 255·g). Other sizes are a bilinear
/// resize of the native frame (<see cref="BilinearResizer"/>), as upstream resizes its 65 px images.
/// </summary>
public sealed class WallRenderer : IFrameRenderer
{
    /// <summary>Standard deviation of the dot in pixels.</summary>
    public const double DotSigma = 1.7;

    private readonly WallLayout _layout;

    /// <summary>Creates a renderer for <paramref name="layout"/>.</summary>
    public WallRenderer(WallLayout layout) => _layout = layout ?? throw new ArgumentNullException(nameof(layout));

    /// <inheritdoc />
    public RgbFrame Render(ReadOnlySpan<double> state, int size)
    {
        var native = RenderNative(state[0], state[1]);
        return size == WallLayout.WorldSize ? native : BilinearResizer.Resize(native, size, size);
    }

    /// <summary>The 65 px frame with the dot at (<paramref name="px"/>, <paramref name="py"/>); pixel (i, j) has centre (i, j).</summary>
    public RgbFrame RenderNative(double px, double py)
    {
        const int n = WallLayout.WorldSize;
        var pixels = new byte[n * n * 3];
        var twoSigmaSq = 2 * DotSigma * DotSigma;
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                var o = ((y * n) + x) * 3;
                if (IsWallPixel(x, y))
                {
                    continue; // stays black
                }

                var dx = x - px;
                var dy = y - py;
                var intensity = 255.0 * Math.Exp(-((dx * dx) + (dy * dy)) / twoSigmaSq);
                var v = (byte)Math.Round(255.0 - intensity);
                pixels[o] = 255;
                pixels[o + 1] = v;
                pixels[o + 2] = v;
            }
        }

        return new RgbFrame(n, n, pixels);
    }

    /// <summary>Whether the pixel centred at (x, y) is drawn as wall: on or beyond a border face, or inside the middle wall outside the door.</summary>
    public bool IsWallPixel(int x, int y) =>
        x <= WallLayout.BorderLow || x >= WallLayout.BorderHigh || y <= WallLayout.BorderLow || y >= WallLayout.BorderHigh
        || (x >= _layout.LeftFace && x <= _layout.RightFace && (y < _layout.DoorLow || y > _layout.DoorHigh));
}
