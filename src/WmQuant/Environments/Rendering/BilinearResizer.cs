namespace WmQuant.Environments.Rendering;

/// <summary>
/// Bilinear resampling of RGB frames with half-pixel centres (the convention of OpenCV's
/// INTER_LINEAR and torch's interpolate(align_corners=False), without antialiasing), used
/// where a task renders at its native size and the model wants another.
/// </summary>
public static class BilinearResizer
{
    /// <summary>Resizes <paramref name="source"/> to <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static RgbFrame Resize(RgbFrame source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Width == width && source.Height == height)
        {
            return new RgbFrame(width, height, (byte[])source.Pixels.Clone());
        }

        var dst = new byte[width * height * 3];
        var src = source.Pixels;
        var (x0s, x1s, wxs) = Taps(source.Width, width);
        var (y0s, y1s, wys) = Taps(source.Height, height);
        var stride = source.Width * 3;
        for (var y = 0; y < height; y++)
        {
            var row0 = y0s[y] * stride;
            var row1 = y1s[y] * stride;
            var wy = wys[y];
            for (var x = 0; x < width; x++)
            {
                var c0 = x0s[x] * 3;
                var c1 = x1s[x] * 3;
                var wx = wxs[x];
                var o = ((y * width) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    var top = src[row0 + c0 + c] + ((src[row0 + c1 + c] - src[row0 + c0 + c]) * wx);
                    var bottom = src[row1 + c0 + c] + ((src[row1 + c1 + c] - src[row1 + c0 + c]) * wx);
                    dst[o + c] = (byte)Math.Clamp((int)(top + ((bottom - top) * wy) + 0.5), 0, 255);
                }
            }
        }

        return new RgbFrame(width, height, dst);
    }

    // Source indices and weight of the second tap for each destination coordinate (half-pixel centres, clamped at the edges).
    private static (int[] First, int[] Second, double[] Weight) Taps(int sourceSize, int size)
    {
        var first = new int[size];
        var second = new int[size];
        var weight = new double[size];
        var scale = (double)sourceSize / size;
        for (var i = 0; i < size; i++)
        {
            var f = Math.Clamp(((i + 0.5) * scale) - 0.5, 0, sourceSize - 1);
            first[i] = (int)f;
            second[i] = Math.Min(first[i] + 1, sourceSize - 1);
            weight[i] = f - first[i];
        }

        return (first, second, weight);
    }
}
