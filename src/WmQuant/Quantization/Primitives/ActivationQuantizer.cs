using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// Fake quantization of activations [..., K] (tokens × hidden): per token over the hidden dimension, or per
/// tensor from a calibrated range. Computed in float32, returned in the input's dtype. Same conventions as
/// weights (ranges include zero, half-to-even rounding), but scales stay float32: nothing is rounded to fp16.
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
        var lo = values.amin([-1], keepdim: true).ClampMax(0);
        var hi = values.amax([-1], keepdim: true).ClampMin(0);
        var (scale, zero) = UniformQuantMath.Parameters(lo, hi, config.Bits, config.Symmetric, storage: null);
        return Apply(values, scale, zero, config).to_type(x.dtype).MoveToOuterDisposeScope();
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

        var parameters = StaticParameters(range, config);
        return FakeQuantizeStatic(x, parameters, config);
    }

    /// <summary>
    /// The float32 scale and zero point a static range gives: what an artifact stores as input_scale and
    /// input_zero_point, and all a static quantizer needs at run time.
    /// </summary>
    public static StaticActivationParameters StaticParameters(ActivationRange range, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            throw new ArgumentException("A 16-bit (bypass) activation has no quantization parameters.", nameof(config));
        }

        using var scope = NewDisposeScope();
        var lo = tensor((float)Math.Min(range.Min, 0), ScalarType.Float32);
        var hi = tensor((float)Math.Max(range.Max, 0), ScalarType.Float32);
        var (scale, zero) = UniformQuantMath.Parameters(lo, hi, config.Bits, config.Symmetric, storage: null);
        return new StaticActivationParameters(scale.item<float>(), zero?.item<float>());
    }

    /// <summary>Fake-quantizes with fixed parameters (from <see cref="StaticParameters"/> or an artifact).</summary>
    public static Tensor FakeQuantizeStatic(Tensor x, StaticActivationParameters parameters, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            return x.clone();
        }

        if (config.Symmetric != parameters.ZeroPoint is null)
        {
            throw new ArgumentException("A zero point is required exactly when the configuration is asymmetric.", nameof(parameters));
        }

        using var scope = NewDisposeScope();
        var values = x.to_type(ScalarType.Float32);
        // On the values' device, so CPU and GPU divide by a tensor, never by a host scalar (which CUDA turns into a reciprocal multiply).
        var scale = tensor(parameters.Scale, ScalarType.Float32, values.device);
        var zero = parameters.ZeroPoint is { } z ? tensor(z, ScalarType.Float32, values.device) : null;
        return Apply(values, scale, zero, config).to_type(x.dtype).MoveToOuterDisposeScope();
    }

    private static Tensor Apply(Tensor values, Tensor scale, Tensor? zero, ActivationQuantConfig config)
    {
        var codes = UniformQuantMath.Codes(values, scale, zero, config.MinCode, config.MaxCode);
        return UniformQuantMath.Values(codes, scale, zero);
    }
}

/// <summary>Scale and zero point of a static per-tensor activation quantizer, exactly as used (float32 values).</summary>
/// <param name="Scale">Step size s &gt; 0.</param>
/// <param name="ZeroPoint">Zero point z (an integer value in [0, 2^b − 1]) when asymmetric; null when symmetric.</param>
public readonly record struct StaticActivationParameters(float Scale, float? ZeroPoint);
