using System.Buffers.Binary;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// Finds NaN and infinite values in a safetensors file's floating-point tensors straight from their bits (F32, F16,
/// BF16), without Torch: a checkpoint is checked before anything is built from it or any runtime is started.
/// </summary>
public static class SafetensorsNonFinite
{
    private const int Chunk = 1 << 26;

    /// <summary>Every floating-point tensor holding NaN or infinite values, in file order, with how many of each.</summary>
    public static IReadOnlyList<(string Name, long NaN, long Infinite)> Scan(SafetensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var bad = new List<(string, long, long)>();
        byte[]? buffer = null;
        foreach (var tensor in file.Tensors.Where(t => t.DType is SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16))
        {
            long nan = 0;
            long infinite = 0;
            if (tensor.ByteLength <= int.MaxValue)
            {
                Count(tensor.DType, file.GetSpan(tensor.Name), ref nan, ref infinite);
            }
            else
            {
                buffer ??= new byte[Chunk];
                for (long offset = 0; offset < tensor.ByteLength; offset += Chunk)
                {
                    int length = (int)Math.Min(Chunk, tensor.ByteLength - offset);
                    file.CopyTo(tensor.Name, offset, buffer.AsSpan(0, length));
                    Count(tensor.DType, buffer.AsSpan(0, length), ref nan, ref infinite);
                }
            }

            if (nan + infinite > 0)
            {
                bad.Add((tensor.Name, nan, infinite));
            }
        }

        return bad;
    }

    private static void Count(SafetensorsDType dtype, ReadOnlySpan<byte> bytes, ref long nan, ref long infinite)
    {
        if (dtype == SafetensorsDType.F32)
        {
            for (int i = 0; i + 4 <= bytes.Length; i += 4)
            {
                uint bits = BinaryPrimitives.ReadUInt32LittleEndian(bytes[i..]);
                if ((bits & 0x7F80_0000u) == 0x7F80_0000u)
                {
                    Tally((bits & 0x007F_FFFFu) != 0, ref nan, ref infinite);
                }
            }

            return;
        }

        // F16: 5 exponent bits, 10 mantissa bits; BF16: the upper half of an F32 (8 and 7).
        (ushort exponent, ushort mantissa) = dtype == SafetensorsDType.F16 ? ((ushort)0x7C00, (ushort)0x03FF) : ((ushort)0x7F80, (ushort)0x007F);
        for (int i = 0; i + 2 <= bytes.Length; i += 2)
        {
            ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes[i..]);
            if ((bits & exponent) == exponent)
            {
                Tally((bits & mantissa) != 0, ref nan, ref infinite);
            }
        }
    }

    private static void Tally(bool isNaN, ref long nan, ref long infinite)
    {
        if (isNaN)
        {
            nan++;
        }
        else
        {
            infinite++;
        }
    }
}
