namespace WmQuant.Quantization.Packing;

/// <summary>
/// compressed-tensors' <c>pack_to_int32</c> / <c>unpack_from_int32</c> layout over unsigned b-bit fields: ⌊32/b⌋
/// fields per 32-bit word, field i of a word at bits [i·b, i·b + b) (least-significant bits first), a field never
/// straddling two words. The unused top 32 mod b bits of every word are zero, and so are the fields past the end
/// of the packed axis (padding). Packing along the last axis (<see cref="PackRows"/>, packed_dim 1) turns
/// [rows, columns] into [rows, ⌈columns/f⌉] words; along the first axis (<see cref="PackColumns"/>, packed_dim 0)
/// into [⌈rows/f⌉, columns].
/// </summary>
/// <remarks>
/// A field is written with OR, so a value outside 0..2^b−1 would spill into its neighbours: packing refuses such a
/// value instead (it is a bug upstream). Unpacking cannot meet an out-of-range field, but it can meet set padding
/// bits, which a conforming writer never produces: <see cref="FirstPaddingViolationInRows"/> and
/// <see cref="FirstPaddingViolationInColumns"/> find them so a loader can refuse the file.
/// </remarks>
internal static class Int32Packing
{
    /// <summary>Fields per 32-bit word: ⌊32/b⌋ (16, 10, 8, 6, 5, 5, 4 for b = 2..8).</summary>
    public static int PackFactor(int bits) => bits is >= 1 and <= 8
        ? 32 / bits
        : throw new ArgumentOutOfRangeException(nameof(bits), bits, "Packed fields have 1..8 bits.");

    /// <summary>Words needed for <paramref name="length"/> fields: ⌈length / ⌊32/b⌋⌉.</summary>
    public static long PackedLength(long length, int bits)
    {
        long factor = PackFactor(bits);
        return (length + factor - 1) / factor;
    }

    /// <summary>Packs values [rows × columns] (row-major, each in 0..2^b−1) along the columns: words [rows × ⌈columns/f⌉].</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value does not fit b bits; the message gives its position.</exception>
    public static uint[] PackRows(ReadOnlySpan<int> values, long rows, long columns, int bits)
    {
        int factor = PackFactor(bits);
        long wordsPerRow = PackedLength(columns, bits);
        var words = new uint[checked(rows * wordsPerRow)];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                uint field = Field(values[checked((int)((r * columns) + c))], bits, r, c);
                words[(r * wordsPerRow) + (c / factor)] |= field << (int)(c % factor * bits);
            }
        }

        return words;
    }

    /// <summary>Packs values [rows × columns] (row-major, each in 0..2^b−1) along the rows: words [⌈rows/f⌉ × columns].</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value does not fit b bits; the message gives its position.</exception>
    public static uint[] PackColumns(ReadOnlySpan<int> values, long rows, long columns, int bits)
    {
        int factor = PackFactor(bits);
        var words = new uint[checked(PackedLength(rows, bits) * columns)];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                uint field = Field(values[checked((int)((r * columns) + c))], bits, r, c);
                words[(r / factor * columns) + c] |= field << (int)(r % factor * bits);
            }
        }

        return words;
    }

    /// <summary>Inverse of <see cref="PackRows"/>: values [rows × columns], each 0..2^b−1.</summary>
    public static int[] UnpackRows(ReadOnlySpan<uint> words, long rows, long columns, int bits)
    {
        int factor = PackFactor(bits);
        long wordsPerRow = PackedLength(columns, bits);
        uint mask = (1u << bits) - 1;
        var values = new int[checked(rows * columns)];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                values[(r * columns) + c] = (int)((words[checked((int)((r * wordsPerRow) + (c / factor)))] >> (int)(c % factor * bits)) & mask);
            }
        }

        return values;
    }

    /// <summary>Inverse of <see cref="PackColumns"/>: values [rows × columns], each 0..2^b−1.</summary>
    public static int[] UnpackColumns(ReadOnlySpan<uint> words, long rows, long columns, int bits)
    {
        int factor = PackFactor(bits);
        uint mask = (1u << bits) - 1;
        var values = new int[checked(rows * columns)];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                values[(r * columns) + c] = (int)((words[checked((int)((r / factor * columns) + c))] >> (int)(r % factor * bits)) & mask);
            }
        }

        return values;
    }

    /// <summary>
    /// The first word of a <see cref="PackRows"/> layout [rows × ⌈columns/f⌉] with a bit set outside its used fields
    /// (top 32 mod b bits, or fields past the row's end), as (row, word); null when every padding bit is zero.
    /// </summary>
    public static (long Row, long Word)? FirstPaddingViolationInRows(ReadOnlySpan<uint> words, long rows, long columns, int bits)
    {
        int factor = PackFactor(bits);
        long wordsPerRow = PackedLength(columns, bits);
        uint full = UsedMask(factor, bits);
        uint last = UsedMask((int)(columns - ((wordsPerRow - 1) * factor)), bits);
        for (long r = 0; r < rows; r++)
        {
            for (long w = 0; w < wordsPerRow; w++)
            {
                uint used = w == wordsPerRow - 1 ? last : full;
                if ((words[checked((int)((r * wordsPerRow) + w))] & ~used) != 0)
                {
                    return (r, w);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The first word of a <see cref="PackColumns"/> layout [⌈rows/f⌉ × columns] with a bit set outside its used
    /// fields, as (packed row, column); null when every padding bit is zero.
    /// </summary>
    public static (long Row, long Column)? FirstPaddingViolationInColumns(ReadOnlySpan<uint> words, long rows, long columns, int bits)
    {
        int factor = PackFactor(bits);
        long packedRows = PackedLength(rows, bits);
        uint full = UsedMask(factor, bits);
        uint last = UsedMask((int)(rows - ((packedRows - 1) * factor)), bits);
        for (long p = 0; p < packedRows; p++)
        {
            uint used = p == packedRows - 1 ? last : full;
            for (long c = 0; c < columns; c++)
            {
                if ((words[checked((int)((p * columns) + c))] & ~used) != 0)
                {
                    return (p, c);
                }
            }
        }

        return null;
    }

    private static uint UsedMask(int fields, int bits) => fields * bits >= 32 ? uint.MaxValue : (1u << (fields * bits)) - 1;

    private static uint Field(int value, int bits, long row, long column) => value >= 0 && value < 1 << bits
        ? (uint)value
        : throw new ArgumentOutOfRangeException(
            nameof(value), value, $"value {value} at [{row}, {column}] does not fit an unsigned {bits}-bit field (0..{(1 << bits) - 1})");
}
