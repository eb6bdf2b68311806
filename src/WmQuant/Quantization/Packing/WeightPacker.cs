using System.Globalization;
using System.Runtime.InteropServices;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Packing;

/// <summary>
/// Converts between <see cref="QuantizedWeight"/> (codes as int32 tensors) and <see cref="PackedLinearWeight"/>
/// (compressed-tensors pack-quantized form). Lossless both ways: Dequantize(Unpack(Pack(q))) equals Dequantize(q)
/// bit for bit.
/// </summary>
/// <remarks>
/// <c>weight_packed</c>: row r's stored fields (symmetric q + 2^(b−1), asymmetric u as is; see
/// <see cref="PackedLinearWeight"/>) go ⌊32/b⌋ to a word, field c of the row in word ⌊c/f⌋ at bits (c mod f)·b,
/// least-significant first; no field straddles two words; the unused top bits and the fields past K are zero.
/// This is compressed-tensors' <c>pack_to_int32</c> for every b (2..8). Words are stored as int32 with the same bits.
/// </remarks>
public static class WeightPacker
{
    /// <summary>Packs codes for storage; scales are cast (losslessly: they hold values of that precision) to the configured scale dtype.</summary>
    /// <exception cref="ArgumentException">
    /// A code or zero point does not fit the b-bit field, or a scale is not finite and positive: packing it would corrupt
    /// its neighbours or the file.
    /// </exception>
    public static PackedLinearWeight Pack(QuantizedWeight quantized)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        var config = quantized.Config;
        long rows = quantized.Rows;
        long columns = quantized.Columns;
        int offset = 1 << (config.Bits - 1);
        using var scope = NewDisposeScope();
        int[] codes = quantized.Codes.cpu().contiguous().data<int>().ToArray();
        if (config.Symmetric)
        {
            for (int i = 0; i < codes.Length; i++)
            {
                codes[i] += offset;
            }
        }

        uint[] words = Int32Packing.PackRows(codes, rows, columns, config.Bits);
        var packed = Int32Tensor(words, PackedLinearWeight.PackedShape(rows, columns, config.Bits));
        float[] scales = quantized.Scales.cpu().contiguous().data<float>().ToArray();
        int badScale = Array.FindIndex(scales, s => !(s > 0) || !float.IsFinite(s));
        if (badScale >= 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"scale {badScale} (flat index) is {scales[badScale]}, not a finite positive value"),
                nameof(quantized));
        }

        var scaleType = config.ScaleStorage == ScaleStorage.Float16 ? ScalarType.Float16 : ScalarType.Float32;
        var scale = quantized.Scales.cpu().to_type(scaleType).reshape(PackedLinearWeight.StoredScaleShape(rows, columns, config)).clone();
        Tensor? zero = null;
        if (quantized.ZeroPoints is { } zeroPoints)
        {
            long groups = zeroPoints.shape[1];
            int[] z = zeroPoints.cpu().contiguous().data<int>().ToArray();
            if (config.Granularity == WeightGranularity.PerTensor)
            {
                // Not packed (compressed-tensors packs group and channel zero points only): the signed value as int8.
                if (z[0] < 0 || z[0] >= 1 << config.Bits)
                {
                    throw new ArgumentOutOfRangeException(nameof(quantized), z[0], $"zero point {z[0]} is outside 0..{(1 << config.Bits) - 1}");
                }

                zero = tensor(new[] { checked((sbyte)(z[0] - offset)) }, [1], ScalarType.Int8);
            }
            else
            {
                // Signed zero point z − 2^(b−1) stored as the field z, packed along the rows.
                uint[] zeroWords = Int32Packing.PackColumns(z, rows, groups, config.Bits);
                zero = Int32Tensor(zeroWords, [Int32Packing.PackedLength(rows, config.Bits), groups]);
            }
        }

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
        int offset = 1 << (config.Bits - 1);
        long[] scaleShape = WeightGrouping.ScaleShape(rows, columns, config);
        using var scope = NewDisposeScope();
        int[] codes = Int32Packing.UnpackRows(PackedLinearWeight.Words(packed.WeightPacked), rows, columns, config.Bits);
        if (config.Symmetric)
        {
            for (int i = 0; i < codes.Length; i++)
            {
                codes[i] -= offset;
            }
        }

        var codeTensor = tensor(codes, [rows, columns], ScalarType.Int32);
        var scales = packed.WeightScale.to_type(ScalarType.Float32).reshape(scaleShape).clone();
        Tensor? zero = null;
        if (packed.WeightZeroPoint is { } stored)
        {
            zero = stored.dtype == ScalarType.Int8
                ? tensor(new[] { stored.cpu().data<sbyte>()[0] + offset }, scaleShape, ScalarType.Int32)
                : tensor(Int32Packing.UnpackColumns(PackedLinearWeight.Words(stored), rows, scaleShape[1], config.Bits), scaleShape, ScalarType.Int32);
        }

        var result = new QuantizedWeight(codeTensor, scales, zero, config, weightDtype);
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor Int32Tensor(uint[] words, long[] shape) =>
        tensor(MemoryMarshal.Cast<uint, int>(words.AsSpan()).ToArray(), shape, ScalarType.Int32);
}
