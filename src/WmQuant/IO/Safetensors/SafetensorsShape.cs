using System.Globalization;

namespace WmQuant.IO.Safetensors;

/// <summary>Element counts and byte lengths of shapes, with overflow made visible instead of wrapping.</summary>
public static class SafetensorsShape
{
    /// <summary>Product of the dimensions; throws <see cref="OverflowException"/> past 64 bits.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"shape {Format(shape)} has a negative dimension", nameof(shape));
            }

            count = checked(count * dimension);
        }

        return count;
    }

    /// <summary>Element count times element size, or null when either product overflows 64 bits.</summary>
    public static long? TryByteLength(ReadOnlySpan<long> shape, SafetensorsDType dtype)
    {
        try
        {
            return checked(ElementCount(shape) * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary><c>[2, 3]</c>, the way messages print shapes.</summary>
    public static string Format(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }
}
