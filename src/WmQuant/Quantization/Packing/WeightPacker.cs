using System.Runtime.InteropServices;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Packing;

/// <summary>
/// Converts between <see cref="QuantizedWeight"/> (codes as int32 tensors) and <see cref="PackedLinearWeight"/>
/// (artifact form). Lossless both ways: Dequantize(Unpack(Pack(q))) equals Dequantize(q) bit for bit.
/// </summary>
/// <remarks>
/// Bit layout of <c>weight_packed</c>: each row is a dense little-endian bit stream; value i of the row (the
/// unsigned code of input i) occupies stream bits [i·b, i·b + b), least-significant bit first; stream bit j
/// is bit (j mod 32) of the row's word ⌊j/32⌋. Rows start on a word boundary and the unused top bits of a row's
/// last word are zero. For b ∈ {2, 4, 8} this equals compressed-tensors' pack-quantized layout; for 3, 5, 6
/// and 7 bits a code can straddle two words (low part in the top of word w, high part in the bottom of
/// word w + 1). Words are stored as int32 with the same bits (two's complement).
/// </remarks>
public static class WeightPacker
{
    /// <summary>Packs codes for storage; scales are cast (losslessly) to the configured scale precision.</summary>
    public static PackedLinearWeight Pack(QuantizedWeight quantized)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        var config = quantized.Config;
        long rows = quantized.Rows;
        long columns = quantized.Columns;
        using var scope = NewDisposeScope();
        var codes = quantized.Codes.cpu();
        if (config.Symmetric)
        {
            codes = codes + (1 << (config.Bits - 1));
        }

        uint[] words = BitStreamPacking.Pack(codes.contiguous().data<int>().ToArray(), rows, columns, config.Bits);
        int[] signedWords = MemoryMarshal.Cast<uint, int>(words.AsSpan()).ToArray();
        var packed = tensor(signedWords, [rows, BitStreamPacking.WordsPerRow(columns, config.Bits)], ScalarType.Int32);
        var scaleType = config.ScaleStorage == ScaleStorage.Float16 ? ScalarType.Float16 : ScalarType.Float32;
        var scale = quantized.Scales.cpu().to_type(scaleType).clone();
        var zero = quantized.ZeroPoints?.cpu().to_type(ScalarType.Byte).clone();
        var result = new PackedLinearWeight(packed, scale, zero, rows, columns, config);
        result.WeightPacked.MoveToOuterDisposeScope();
        result.WeightScale.MoveToOuterDisposeScope();
        result.WeightZeroPoint?.MoveToOuterDisposeScope();
        result.WeightShape.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>Restores the codes, scales (as float32) and zero points on the CPU; <paramref name="weightDtype"/> is what Dequantize will return.</summary>
    public static QuantizedWeight Unpack(PackedLinearWeight packed, ScalarType weightDtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(packed);
        var config = packed.Config;
        long rows = packed.Rows;
        long columns = packed.Columns;
        using var scope = NewDisposeScope();
        int[] codes = BitStreamPacking.Unpack(PackedLinearWeight.Words(packed.WeightPacked), rows, columns, config.Bits);
        var codeTensor = tensor(codes, [rows, columns], ScalarType.Int32);
        if (config.Symmetric)
        {
            codeTensor = codeTensor - (1 << (config.Bits - 1));
        }

        var scales = packed.WeightScale.to_type(ScalarType.Float32).clone();
        var zero = packed.WeightZeroPoint?.to_type(ScalarType.Int32).clone();
        var result = new QuantizedWeight(codeTensor.to_type(ScalarType.Int32).contiguous(), scales, zero, config, weightDtype);
        return result.MoveToOuterDisposeScope();
    }
}
