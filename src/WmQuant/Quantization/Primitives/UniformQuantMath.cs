using TorchSharp;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// The one place where ranges become scales, values become codes and codes become values, shared by
/// weights and activations so every path (search, fake-quant, reload) does the same float operations.
/// </summary>
/// <remarks>
/// Conventions (DESIGN §7): ranges always include zero (lo = min(min x, 0), hi = max(max x, 0)), so zero is
/// exactly representable and zero padding never changes a range. Symmetric: s = max(|lo|, |hi|)/(2^(b−1)−1),
/// q = clamp(round(x/s), −qmax, qmax). Asymmetric: s = (hi − lo)/(2^b − 1), z = clamp(−round(lo/s), 0, 2^b − 1),
/// q = clamp(round(x/s) + z, 0, 2^b − 1). torch.round rounds half to even. Scales are clamped below by
/// <see cref="MinimumScale"/> so an all-zero group gives s &gt; 0, codes 0 and values 0, never NaN.
/// </remarks>
internal static class UniformQuantMath
{
    /// <summary>2^−24, the smallest positive fp16 value: a floor every scale precision can hold.</summary>
    public const float MinimumScale = 5.9604645e-8f;

    /// <summary>Largest finite fp16 value; larger fp16 scales would become infinite.</summary>
    public const float MaximumHalfScale = 65504f;

    /// <summary>Scale (and zero point when asymmetric) per range; lo ≤ 0 ≤ hi is assumed, both float32.</summary>
    public static (Tensor Scale, Tensor? ZeroPoint) Parameters(Tensor lo, Tensor hi, int bits, bool symmetric, ScaleStorage? storage)
    {
        using var scope = NewDisposeScope();
        Tensor scale;
        Tensor? zero = null;
        if (symmetric)
        {
            var absMax = maximum(lo.abs(), hi.abs());
            scale = absMax.Div((1 << (bits - 1)) - 1);
        }
        else
        {
            scale = (hi - lo).Div((1 << bits) - 1);
        }

        scale = scale.ClampMin(MinimumScale);
        if (storage == ScaleStorage.Float16)
        {
            scale = RoundUpToHalf(scale);
        }

        if (!symmetric)
        {
            zero = (-(lo / scale).round()).Clamp(0, (1 << bits) - 1);
            zero.MoveToOuterDisposeScope();
        }

        scale.MoveToOuterDisposeScope();
        return (scale, zero);
    }

    /// <summary>Integer codes (as float32 values) of <paramref name="x"/> for the given scale and zero point.</summary>
    public static Tensor Codes(Tensor x, Tensor scale, Tensor? zeroPoint, int minCode, int maxCode)
    {
        using var scope = NewDisposeScope();
        var q = (x / scale).round();
        if (zeroPoint is not null)
        {
            q = q.Add(zeroPoint);
        }

        return q.Clamp(minCode, maxCode).MoveToOuterDisposeScope();
    }

    /// <summary>Real values of codes: (q − z)·s.</summary>
    public static Tensor Values(Tensor codes, Tensor scale, Tensor? zeroPoint)
    {
        using var scope = NewDisposeScope();
        var shifted = zeroPoint is null ? codes : codes - zeroPoint;
        return (shifted * scale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rounds positive float32 scales up to the next fp16 value (never down), so a group's range still fits
    /// after rounding and no element is clipped by the rounding; returns float32 holding fp16-exact values.
    /// </summary>
    public static Tensor RoundUpToHalf(Tensor scale)
    {
        using var scope = NewDisposeScope();
        var bounded = scale.ClampMax(MaximumHalfScale);
        var half = bounded.to_type(ScalarType.Float16);
        var tooSmall = half.to_type(ScalarType.Float32).lt(bounded);
        var nextUp = half.nextafter(ScalarOps.FullLike(half, double.PositiveInfinity));
        return where(tooSmall, nextUp, half).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
