namespace WmQuant.Quantization.Packing;

/// <summary>
/// The dense little-endian bit stream used for packed codes: in each row, value i occupies stream bits
/// [i·b, i·b + b), least-significant bit first, and stream bit j is bit (j mod 32) of 32-bit word ⌊j/32⌋.
/// Each row starts at a fresh word; unused high bits of a row's last word are zero.
/// </summary>
/// <remarks>
/// For b ∈ {2, 4, 8} this is exactly compressed-tensors' pack-quantized layout (32/b values per word, value
/// i of a word at shift b·i). For b ∈ {3, 5, 6, 7} a value may straddle two words: its low (32 − shift) bits
/// are the top bits of word w, its remaining high bits the bottom bits of word w + 1.
/// </remarks>
internal static class BitStreamPacking
{
    /// <summary>Words needed for one row: ⌈K·b/32⌉.</summary>
    public static long WordsPerRow(long columns, int bits) => ((columns * bits) + 31) / 32;

    /// <summary>Packs unsigned codes [rows × columns] (each &lt; 2^b) into words [rows × WordsPerRow].</summary>
    public static uint[] Pack(ReadOnlySpan<int> codes, long rows, long columns, int bits)
    {
        long wordsPerRow = WordsPerRow(columns, bits);
        var words = new uint[checked(rows * wordsPerRow)];
        for (long r = 0; r < rows; r++)
        {
            var rowCodes = codes.Slice(checked((int)(r * columns)), checked((int)columns));
            var rowWords = words.AsSpan(checked((int)(r * wordsPerRow)), checked((int)wordsPerRow));
            for (int i = 0; i < rowCodes.Length; i++)
            {
                uint value = (uint)rowCodes[i];
                long bit = (long)i * bits;
                int word = (int)(bit >> 5);
                int shift = (int)(bit & 31);
                rowWords[word] |= value << shift;
                if (shift + bits > 32)
                {
                    rowWords[word + 1] |= value >> (32 - shift);
                }
            }
        }

        return words;
    }

    /// <summary>Inverse of <see cref="Pack"/>: unsigned codes [rows × columns].</summary>
    public static int[] Unpack(ReadOnlySpan<uint> words, long rows, long columns, int bits)
    {
        long wordsPerRow = WordsPerRow(columns, bits);
        var codes = new int[checked(rows * columns)];
        uint mask = (1u << bits) - 1;
        for (long r = 0; r < rows; r++)
        {
            var rowWords = words.Slice(checked((int)(r * wordsPerRow)), checked((int)wordsPerRow));
            var rowCodes = codes.AsSpan(checked((int)(r * columns)), checked((int)columns));
            for (int i = 0; i < rowCodes.Length; i++)
            {
                long bit = (long)i * bits;
                int word = (int)(bit >> 5);
                int shift = (int)(bit & 31);
                ulong window = rowWords[word];
                if (word + 1 < rowWords.Length)
                {
                    window |= (ulong)rowWords[word + 1] << 32;
                }

                rowCodes[i] = (int)((uint)(window >> shift) & mask);
            }
        }

        return codes;
    }
}
