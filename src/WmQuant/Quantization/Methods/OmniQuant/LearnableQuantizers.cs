using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.OmniQuant;

/// <summary>
/// Differentiable fake quantization for OmniQuant's training: the same arithmetic as <see cref="WeightQuantizer"/> and
/// <see cref="ActivationQuantizer"/> (ranges that include zero, half-to-even rounding, scales floored at 2^−24, weight
/// scales rounded up to fp16 when stored so), with the straight-through estimator on the rounding of x/s (its gradient
/// passes as the identity) and learnable clipping of weight ranges (LWC: lo·σ(l), hi·σ(u) per scale group). Zero
/// points are rounded without a straight-through gradient, as upstream's <c>round_zero_point</c>. With the factors
/// detached the forward values equal what <see cref="Quantize"/> stores.
/// </summary>
internal static class LearnableQuantizers
{
    /// <summary>round(x) in the forward pass, identity in the backward pass.</summary>
    public static Tensor RoundSte(Tensor x) => x.Add((x.round() - x).detach());

    /// <summary>
    /// Q(W) for a weight [N, K] with LWC factors <paramref name="upper"/> = σ(u) and <paramref name="lower"/> = σ(l), shaped
    /// like the scales ([1, 1], [N, 1] or [N, groups]); null factors mean no clipping (round to nearest).
    /// </summary>
    public static Tensor FakeQuantizeWeight(Tensor weight, WeightQuantConfig config, Tensor? upper, Tensor? lower)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        long rows = weight.shape[0];
        long columns = weight.shape[1];
        var grouped = WeightGrouping.Group(weight, config);
        var (scale, zero) = WeightParameters(grouped, config, upper, lower, straightThrough: true);
        var values = Values(grouped, scale.unsqueeze(-1), zero?.unsqueeze(-1), config.MinCode, config.MaxCode);
        return WeightGrouping.Ungroup(values, rows, columns).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The codes of <paramref name="weight"/> [N, K] at fixed LWC factors (null: none), as <see cref="WeightQuantizer.Quantize"/>
    /// makes them.
    /// </summary>
    public static QuantizedWeight Quantize(Tensor weight, WeightQuantConfig config, Tensor? upper, Tensor? lower)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long rows = weight.shape[0];
        long columns = weight.shape[1];
        var grouped = WeightGrouping.Group(weight.detach().to_type(ScalarType.Float32), config);
        var (scale, zero) = WeightParameters(grouped, config, upper?.detach(), lower?.detach(), straightThrough: false);
        var codes = UniformQuantMath.Codes(grouped, scale.unsqueeze(-1), zero?.unsqueeze(-1), config.MinCode, config.MaxCode);
        var intCodes = WeightGrouping.Ungroup(codes, rows, columns).to_type(ScalarType.Int32).contiguous();
        var result = new QuantizedWeight(intCodes, scale.contiguous(), zero?.to_type(ScalarType.Int32).contiguous(), config, weight.dtype);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Per-token (dynamic) fake quantization of inputs [..., K] with a straight-through rounding.</summary>
    public static Tensor FakeQuantizePerToken(Tensor x, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        var lo = x.amin([-1], keepdim: true).ClampMax(0);
        var hi = x.amax([-1], keepdim: true).ClampMin(0);
        return RangeFakeQuantize(x, lo, hi, config).MoveToOuterDisposeScope();
    }

    /// <summary>Per-tensor fake quantization of inputs with the range [lo, hi] (0-d tensors, possibly with gradients).</summary>
    public static Tensor FakeQuantizeStatic(Tensor x, Tensor lo, Tensor hi, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(lo);
        ArgumentNullException.ThrowIfNull(hi);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        return RangeFakeQuantize(x, lo.ClampMax(0), hi.ClampMin(0), config).MoveToOuterDisposeScope();
    }

    private static Tensor RangeFakeQuantize(Tensor x, Tensor lo, Tensor hi, ActivationQuantConfig config)
    {
        var (scale, zero) = Parameters(lo, hi, config.Bits, config.Symmetric, storage: null, straightThrough: true);
        return Values(x, scale, zero, config.MinCode, config.MaxCode);
    }

    private static (Tensor Scale, Tensor? Zero) WeightParameters(
        Tensor grouped, WeightQuantConfig config, Tensor? upper, Tensor? lower, bool straightThrough)
    {
        var lo = grouped.amin(-1).ClampMax(0);
        var hi = grouped.amax(-1).ClampMin(0);
        if (lower is not null)
        {
            lo = lo * lower.to(lo.device);
        }

        if (upper is not null)
        {
            hi = hi * upper.to(hi.device);
        }

        return Parameters(lo, hi, config.Bits, config.Symmetric, config.ScaleStorage, straightThrough);
    }

    /// <summary><see cref="UniformQuantMath.Parameters"/>, with the fp16 round-up passed straight through when training.</summary>
    private static (Tensor Scale, Tensor? Zero) Parameters(Tensor lo, Tensor hi, int bits, bool symmetric, ScaleStorage? storage, bool straightThrough)
    {
        var scale = symmetric
            ? maximum(lo.abs(), hi.abs()).Div((1 << (bits - 1)) - 1)
            : (hi - lo).Div((1 << bits) - 1);
        scale = scale.ClampMin(UniformQuantMath.MinimumScale);
        if (storage == ScaleStorage.Float16)
        {
            var rounded = UniformQuantMath.RoundUpToHalf(scale.detach());
            scale = straightThrough ? scale.Add((rounded - scale).detach()) : rounded;
        }

        Tensor? zero = symmetric ? null : (-(lo / scale).detach().round()).Clamp(0, (1 << bits) - 1);
        return (scale, zero);
    }

    private static Tensor Values(Tensor x, Tensor scale, Tensor? zero, int minCode, int maxCode)
    {
        var q = RoundSte(x / scale);
        if (zero is not null)
        {
            q = q.Add(zero);
        }

        q = q.Clamp(minCode, maxCode);
        return (zero is null ? q : q - zero) * scale;
    }
}
