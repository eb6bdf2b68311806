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
        var sx = (double)source.Width / width;
        var sy = (double)source.Height / height;
        for (var y = 0; y < height; y++)
        {
            var fy = Math.Clamp(((y + 0.5) * sy) - 0.5, 0, source.Height - 1);
            var y0 = (int)fy;
            var y1 = Math.Min(y0 + 1, source.Height - 1);
            var wy = fy - y0;
            for (var x = 0; x < width; x++)
            {
                var fx = Math.Clamp(((x + 0.5) * sx) - 0.5, 0, source.Width - 1);
                var x0 = (int)fx;
                var x1 = Math.Min(x0 + 1, source.Width - 1);
                var wx = fx - x0;
                for (var c = 0; c < 3; c++)
                {
                    var top = (src[((y0 * source.Width) + x0) * 3 + c] * (1 - wx)) + (src[((y0 * source.Width) + x1) * 3 + c] * wx);
                    var bottom = (src[((y1 * source.Width) + x0) * 3 + c] * (1 - wx)) + (src[((y1 * source.Width) + x1) * 3 + c] * wx);
                    dst[((y * width) + x) * 3 + c] = (byte)Math.Clamp(Math.Round((top * (1 - wy)) + (bottom * wy)), 0, 255);
                }
            }
        }

        return new RgbFrame(width, height, dst);
    }
}
