using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// Fake quantization of activations [..., K] (tokens × hidden): per token over the hidden dimension, or per
/// tensor from a calibrated range. Computed in float32, returned in the input's dtype. Same conventions as
/// weights (ranges include zero, half-to-even rounding), but scales stay float32: nothing is stored.
/// </summary>
public static class ActivationQuantizer
{
    /// <summary>Each token (row of the last dimension) gets its own range from its own min and max.</summary>
    public static Tensor FakeQuantizePerToken(Tensor x, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            return x.clone();
        }

        using var scope = NewDisposeScope();
        var values = x.to_type(ScalarType.Float32);
        var lo = values.amin([-1], keepdim: true).clamp_max(0);
        var hi = values.amax([-1], keepdim: true).clamp_min(0);
        return Apply(values, lo, hi, config).to_type(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The whole tensor shares one range, fixed ahead of time (typically from calibration).</summary>
    public static Tensor FakeQuantizePerTensor(Tensor x, ActivationRange range, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            return x.clone();
        }

        using var scope = NewDisposeScope();
        var values = x.to_type(ScalarType.Float32);
        var lo = tensor((float)Math.Min(range.Min, 0), ScalarType.Float32, values.device);
        var hi = tensor((float)Math.Max(range.Max, 0), ScalarType.Float32, values.device);
        return Apply(values, lo, hi, config).to_type(x.dtype).MoveToOuterDisposeScope();
    }

    private static Tensor Apply(Tensor values, Tensor lo, Tensor hi, ActivationQuantConfig config)
    {
        var (scale, zero) = UniformQuantMath.Parameters(lo, hi, config.Bits, config.Symmetric, storage: null);
        var codes = UniformQuantMath.Codes(values, scale, zero, config.MinCode, config.MaxCode);
        return UniformQuantMath.Values(codes, scale, zero);
    }
}
