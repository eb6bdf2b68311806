namespace WmQuant.Environments.Rendering;

/// <summary>An 8-bit RGB image stored HWC (row-major, three bytes per pixel), the layout models and PNG writers expect.</summary>
public sealed class RgbFrame
{
    /// <summary>Wraps <paramref name="pixels"/> (length <paramref name="width"/>·<paramref name="height"/>·3) without copying.</summary>
    public RgbFrame(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != width * height * 3)
        {
            throw new ArgumentException($"Expected {width * height * 3} bytes, got {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Pixel bytes, HWC, RGB order.</summary>
    public byte[] Pixels { get; }

    /// <summary>The (r, g, b) triple at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * 3;
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }
}
