using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// Round-to-nearest quantization of Linear weights [N, K] (out × in), optionally with a clipping ratio per
/// scale group. Everything runs as tensor operations on the weight's device; no per-row loops.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="weight"/>. <paramref name="clipRatio"/> (float32, broadcastable to the scale
    /// shape) shrinks each group's range before the scale is computed; null means 1 (plain RTN).
    /// </summary>
    /// <exception cref="ArgumentException">Bypass config, or the weight is not a 2-D floating tensor.</exception>
    public static QuantizedWeight Quantize(Tensor weight, WeightQuantConfig config, Tensor? clipRatio = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            throw new ArgumentException("A 16-bit (bypass) weight is not quantized; use FakeQuantize or keep the float weight.", nameof(config));
        }

        if (weight.dim() != 2 || !weight.is_floating_point())
        {
            throw new ArgumentException($"Expected a floating weight [N, K], got {weight.dtype} [{string.Join(", ", weight.shape)}].", nameof(weight));
        }

        using var scope = NewDisposeScope();
        long rows = weight.shape[0];
        long columns = weight.shape[1];
        var grouped = WeightGrouping.Group(weight.to_type(ScalarType.Float32), config);
        var (scale, zero) = GroupParameters(grouped, config, clipRatio);
        var codes = UniformQuantMath.Codes(grouped, scale.unsqueeze(-1), zero?.unsqueeze(-1), config.MinCode, config.MaxCode);
        var intCodes = WeightGrouping.Ungroup(codes, rows, columns).to_type(ScalarType.Int32).contiguous();
        var result = new QuantizedWeight(intCodes, scale.contiguous(), zero?.to_type(ScalarType.Int32).contiguous(), config, weight.dtype);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Values of the codes, (q − z)·s computed in float32, returned in <paramref name="dtype"/> (default: the source weight's dtype).</summary>
    public static Tensor Dequantize(QuantizedWeight quantized, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        using var scope = NewDisposeScope();
        var grouped = WeightGrouping.Group(quantized.Codes.to_type(ScalarType.Float32), quantized.Config);
        var zero = quantized.ZeroPoints?.to_type(ScalarType.Float32).unsqueeze(-1);
        var values = UniformQuantMath.Values(grouped, quantized.Scales.unsqueeze(-1), zero);
        var weight = WeightGrouping.Ungroup(values, quantized.Rows, quantized.Columns);
        return weight.to_type(dtype ?? quantized.WeightDtype).MoveToOuterDisposeScope();
    }

    /// <summary>Dequantize(Quantize(w)) in the weight's dtype; a copy of the weight for 16-bit bypass.</summary>
    public static Tensor FakeQuantize(Tensor weight, WeightQuantConfig config, Tensor? clipRatio = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            return weight.clone();
        }

        using var scope = NewDisposeScope();
        using var quantized = Quantize(weight, config, clipRatio);
        return Dequantize(quantized).MoveToOuterDisposeScope();
    }

    /// <summary>Scale (and zero point) per group of an already grouped float32 weight [R, C, L]; shapes [R, C].</summary>
    internal static (Tensor Scale, Tensor? ZeroPoint) GroupParameters(Tensor grouped, WeightQuantConfig config, Tensor? clipRatio)
    {
        using var scope = NewDisposeScope();
        var lo = grouped.amin(-1).ClampMax(0);
        var hi = grouped.amax(-1).ClampMin(0);
        if (clipRatio is not null)
        {
            var ratio = clipRatio.to(lo.device).to_type(ScalarType.Float32);
            lo = lo * ratio;
            hi = hi * ratio;
        }

        var (scale, zero) = UniformQuantMath.Parameters(lo, hi, config.Bits, config.Symmetric, config.ScaleStorage);
        scale.MoveToOuterDisposeScope();
        zero?.MoveToOuterDisposeScope();
        return (scale, zero);
    }
}
