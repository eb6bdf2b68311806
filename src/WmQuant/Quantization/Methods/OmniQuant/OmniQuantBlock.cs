using TorchSharp.Modules;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods.SmoothQuant;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.OmniQuant;

/// <summary>The learnable equivalent transformation of one smoothing group: scale s and shift δ (null when off).</summary>
/// <param name="Group">Where it folds.</param>
/// <param name="Scale">s [K], learned.</param>
/// <param name="Shift">δ [K], learned, or null.</param>
/// <param name="InitialScale">s at initialisation (SmoothQuant's scales).</param>
/// <param name="InitialShift">δ at initialisation (mid-range per channel), or null.</param>
internal sealed record LetParameters(SmoothingGroup Group, Parameter Scale, Parameter? Shift, Tensor InitialScale, Tensor? InitialShift);

/// <summary>The learnable weight clipping of one Linear: u and l shaped like its scales (clip bounds σ(u)·max, σ(l)·min).</summary>
/// <param name="Upper">u.</param>
/// <param name="Lower">l.</param>
internal sealed record LwcParameters(Parameter Upper, Parameter Lower);

/// <summary>Which transforms and clipping a block forward uses (OmniQuant's learned ones, its initialisation, or none).</summary>
internal enum BlockVariant
{
    /// <summary>The learned LET and LWC.</summary>
    Learned,

    /// <summary>LET at its SmoothQuant initialisation, weights rounded to nearest (no clipping).</summary>
    SmoothQuant,

    /// <summary>No transform, weights rounded to nearest: RTN.</summary>
    Rtn,
}

/// <summary>
/// One transformer block under OmniQuant: its float parameters as they were, the learnable LET of its smoothing groups
/// and LWC of its weight-quantized Linears, and a functional forward of the block that builds the folded, fake-quantized
/// weights from them (differentiable in s, δ, u, l). The arithmetic mirrors <see cref="SmoothingGroup.Fold"/> (groups in
/// block order: norm1 → qkv, value rows → proj, norm2 → fc1) and <see cref="LearnableQuantizers.Quantize"/>, so the
/// model after <see cref="Apply"/> computes what the forward computed, up to float rounding.
/// </summary>
internal sealed class OmniQuantBlock : IDisposable
{
    private readonly Dictionary<SmoothingSite, LetParameters> let = [];
    private readonly Dictionary<QuantizableLinear, LwcParameters> lwc = [];
    private readonly Dictionary<QuantizableLinear, LayerQuantSettings> settings = [];
    private readonly Dictionary<QuantizableLinear, (Tensor Low, Tensor High)> inputBounds = [];
    private readonly Dictionary<QuantizableLinear, (Tensor Weight, Tensor? Bias)> original = [];
    private readonly (Tensor Weight, Tensor Bias) norm1;
    private readonly (Tensor Weight, Tensor Bias) norm2;
    private readonly Tensor? gain1;
    private readonly Tensor? gain2;

    /// <summary>Captures the block's float parameters and the plan's settings for its Linears.</summary>
    public OmniQuantBlock(TransformerBlock block, ResolvedQuantizationScope scope, CalibrationSet calibration)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(calibration);
        Block = block;
        using var noGrad = no_grad();
        norm1 = (Keep(block.Norm1.weight!), Keep(block.Norm1.bias!));
        norm2 = (Keep(block.Norm2.weight!), Keep(block.Norm2.bias!));
        gain1 = block.Ls1 is null ? null : Keep(block.Ls1.Gamma);
        gain2 = block.Ls2 is null ? null : Keep(block.Ls2.Gamma);
        foreach (var linear in block.Linears)
        {
            var layer = scope[linear.FullName];
            settings[linear] = layer;
            original[linear] = (Keep(linear.Weight), linear.Bias is null ? null : Keep(linear.Bias));
            if (layer.Activations is { Granularity: ActivationGranularity.PerTensorStatic })
            {
                var (low, high) = ChannelTransform.ChannelBounds(calibration.TryGet(linear.FullName)!, ScalarType.Float32, linear.Weight.device);
                inputBounds[linear] = (low.DetachFromDisposeScope(), high.DetachFromDisposeScope());
            }
        }
    }

    /// <summary>The block.</summary>
    public TransformerBlock Block { get; }

    /// <summary>The LET of each transformed group.</summary>
    public IReadOnlyCollection<LetParameters> Let => let.Values;

    /// <summary>The plan's settings for one of the block's Linears.</summary>
    public LayerQuantSettings SettingsOf(QuantizableLinear linear) => settings[linear];

    /// <summary>The LWC of a Linear, or null when it has none.</summary>
    public LwcParameters? LwcOf(QuantizableLinear linear) => lwc.GetValueOrDefault(linear);

    /// <summary>The LET of a group, or null when it is not transformed.</summary>
    public LetParameters? LetOf(SmoothingGroup group) => let.GetValueOrDefault(group.Site);

    /// <summary>Every learnable LWC tensor.</summary>
    public IReadOnlyList<Parameter> LwcParameterList => [.. lwc.Values.SelectMany(p => new[] { p.Upper, p.Lower })];

    /// <summary>Every learnable LET tensor.</summary>
    public IReadOnlyList<Parameter> LetParameterList =>
        [.. let.Values.SelectMany(p => p.Shift is null ? new[] { p.Scale } : new[] { p.Scale, p.Shift })];

    /// <summary>Adds learnable clipping to a weight-quantized Linear, u = l = <paramref name="init"/> per scale group.</summary>
    public void AddLwc(QuantizableLinear linear, double init)
    {
        var config = settings[linear].Weights!;
        long[] shape = WeightGrouping.ScaleShape(linear.OutFeatures, linear.InFeatures, config);
        var device = linear.Weight.device;
        lwc[linear] = new LwcParameters(
            new Parameter(ScalarOps.Full(shape, init, ScalarType.Float32, device).DetachFromDisposeScope()),
            new Parameter(ScalarOps.Full(shape, init, ScalarType.Float32, device).DetachFromDisposeScope()));
    }

    /// <summary>Adds a learnable transform to a group, starting at <paramref name="scale"/> and <paramref name="shift"/> (copied).</summary>
    public void AddLet(SmoothingGroup group, Tensor scale, Tensor? shift)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(scale);
        var device = group.Linears[0].Weight.device;
        var s = scale.to(ScalarType.Float32, device).detach().clone().DetachFromDisposeScope();
        var d = shift?.to(ScalarType.Float32, device).detach().clone().DetachFromDisposeScope();
        let[group.Site] = new LetParameters(
            group,
            new Parameter(s.clone().DetachFromDisposeScope()),
            d is null ? null : new Parameter(d.clone().DetachFromDisposeScope()),
            s,
            d);
    }

    /// <summary>
    /// The block's output for inputs [B, N, D] (mask: the predictor's frame-causal mask, or null) with the folded and
    /// fake-quantized weights of <paramref name="variant"/>; differentiable in the learned parameters.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor? mask, BlockVariant variant)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var (sQ, dQ) = Transform(SmoothingSite.Qkv, variant);
        var (sP, dP) = Transform(SmoothingSite.Proj, variant);
        var (sF, dF) = Transform(SmoothingSite.Fc1, variant);
        var block = Block;

        // norm1 → qkv (columns × sQ, bias + W·dQ), then value rows → proj (rows / sP, value bias (b − dP)/sP).
        var (gamma1, beta1) = FoldNorm(norm1, sQ, dQ);
        var (qkvWeight, qkvBias) = FoldLinear(original[block.Qkv], sQ, dQ);
        (qkvWeight, qkvBias) = FoldValueRows(qkvWeight, qkvBias, block.Proj.InFeatures, sP, dP);
        var (projWeight, projBias) = FoldLinear(original[block.Proj], sP, dP);
        var (gamma2, beta2) = FoldNorm(norm2, sF, dF);
        var (fc1Weight, fc1Bias) = FoldLinear(original[block.Fc1], sF, dF);
        var (fc2Weight, fc2Bias) = original[block.Fc2];

        var h = nn.functional.layer_norm(x, [x.shape[^1]], gamma1, beta1, block.Eps);
        var qkv = Linear(block.Qkv, h, qkvWeight, qkvBias, variant, sQ, dQ);
        var (q, k, v) = Attention.SplitHeads(qkv, block.Heads);
        var attended = Attention.MergeHeads(Attention.Compute(q, k, v, mask, block.KernelOf()));
        var branch = Linear(block.Proj, attended, projWeight, projBias, variant, sP, dP);
        if (gain1 is not null)
        {
            branch = branch * gain1;
        }

        var y = x.Add(branch);
        var h2 = nn.functional.layer_norm(y, [y.shape[^1]], gamma2, beta2, block.Eps);
        var hidden = nn.functional.gelu(Linear(block.Fc1, h2, fc1Weight, fc1Bias, variant, sF, dF));
        var mlp = Linear(block.Fc2, hidden, fc2Weight, fc2Bias, variant, null, null);
        if (gain2 is not null)
        {
            mlp = mlp * gain2;
        }

        return y.Add(mlp).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Folds the chosen variant's transforms into the block's modules (<see cref="SmoothingGroup.Fold"/>) and returns,
    /// per transformed group, its transform (the caller owns it) and, per weight-quantized Linear, its codes at the
    /// variant's clipping (the caller owns them; null factors for the round-to-nearest variants).
    /// </summary>
    public (Dictionary<SmoothingSite, ChannelTransform> Transforms, Dictionary<QuantizableLinear, (QuantizedWeight Codes, double MeanClip)> Codes) Apply(
        BlockVariant variant)
    {
        var transforms = new Dictionary<SmoothingSite, ChannelTransform>();
        using (var scope = NewDisposeScope())
        {
            foreach (var group in Block.Groups)
            {
                var (s, d) = Transform(group.Site, variant);
                if (s is null)
                {
                    continue;
                }

                var transform = new ChannelTransform(
                    s.detach().clone().DetachFromDisposeScope(), d?.detach().clone().DetachFromDisposeScope());
                transforms[group.Site] = transform;
                group.Fold(transform);
            }
        }

        var codes = new Dictionary<QuantizableLinear, (QuantizedWeight, double)>();
        foreach (var linear in Block.Linears)
        {
            if (settings[linear].Weights is not { } config)
            {
                continue;
            }

            using var scope = NewDisposeScope();
            var (upper, lower) = Factors(linear, variant);
            var quantized = LearnableQuantizers.Quantize(linear.Weight.detach(), config, upper, lower);
            double meanClip = upper is null ? 1 : upper.mean().Add(lower!.mean()).Div(2).item<float>();
            quantized.Codes.DetachFromDisposeScope();
            quantized.Scales.DetachFromDisposeScope();
            quantized.ZeroPoints?.DetachFromDisposeScope();
            codes[linear] = (quantized, meanClip);
        }

        return (transforms, codes);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var p in let.Values)
        {
            p.Scale.Dispose();
            p.Shift?.Dispose();
            p.InitialScale.Dispose();
            p.InitialShift?.Dispose();
        }

        foreach (var p in lwc.Values)
        {
            p.Upper.Dispose();
            p.Lower.Dispose();
        }

        foreach (var (low, high) in inputBounds.Values)
        {
            low.Dispose();
            high.Dispose();
        }

        foreach (var (weight, bias) in original.Values)
        {
            weight.Dispose();
            bias?.Dispose();
        }

        norm1.Weight.Dispose();
        norm1.Bias.Dispose();
        norm2.Weight.Dispose();
        norm2.Bias.Dispose();
        gain1?.Dispose();
        gain2?.Dispose();
    }

    private static Tensor Keep(Tensor value) => value.detach().clone().DetachFromDisposeScope();

    private static (Tensor Weight, Tensor Bias) FoldNorm((Tensor Weight, Tensor Bias) norm, Tensor? s, Tensor? d)
    {
        if (s is null)
        {
            return norm;
        }

        var bias = d is null ? norm.Bias : norm.Bias - d;
        return (norm.Weight / s, bias / s);
    }

    private static (Tensor Weight, Tensor? Bias) FoldLinear((Tensor Weight, Tensor? Bias) linear, Tensor? s, Tensor? d)
    {
        if (s is null)
        {
            return linear;
        }

        var bias = d is null ? linear.Bias : linear.Bias!.Add(linear.Weight.matmul(d));
        return (linear.Weight * s, bias);
    }

    private static (Tensor Weight, Tensor? Bias) FoldValueRows(Tensor weight, Tensor? bias, long width, Tensor? s, Tensor? d)
    {
        if (s is null)
        {
            return (weight, bias);
        }

        long offset = weight.shape[0] - width;
        var rows = weight.narrow(0, offset, width) / s.unsqueeze(1);
        var folded = cat([weight.narrow(0, 0, offset), rows], 0);
        if (bias is null)
        {
            return (folded, null);
        }

        var values = bias.narrow(0, offset, width);
        values = d is null ? values / s : (values - d) / s;
        return (folded, cat([bias.narrow(0, 0, offset), values], 0));
    }

    private (Tensor? Scale, Tensor? Shift) Transform(SmoothingSite site, BlockVariant variant)
    {
        if (variant == BlockVariant.Rtn || !let.TryGetValue(site, out var p))
        {
            return (null, null);
        }

        return variant == BlockVariant.Learned
            ? (p.Scale.ClampMin(SmoothedLayers.MinimumScale), p.Shift)
            : (p.InitialScale, p.InitialShift);
    }

    private (Tensor? Upper, Tensor? Lower) Factors(QuantizableLinear linear, BlockVariant variant) =>
        variant == BlockVariant.Learned && lwc.TryGetValue(linear, out var p) ? (p.Upper.sigmoid(), p.Lower.sigmoid()) : (null, null);

    /// <summary>One Linear of the forward: its input quantized as the plan says (in the transformed basis), its weight fake-quantized.</summary>
    private Tensor Linear(QuantizableLinear linear, Tensor input, Tensor weight, Tensor? bias, BlockVariant variant, Tensor? s, Tensor? d)
    {
        var layer = settings[linear];
        var x = input;
        if (layer.Activations is { } activations)
        {
            if (activations.Granularity == ActivationGranularity.PerTokenDynamic)
            {
                x = LearnableQuantizers.FakeQuantizePerToken(x, activations);
            }
            else
            {
                var (low, high) = inputBounds[linear];
                if (s is not null)
                {
                    low = d is null ? low / s : (low - d) / s;
                    high = d is null ? high / s : (high - d) / s;
                }

                x = LearnableQuantizers.FakeQuantizeStatic(x, low.min(), high.max(), activations);
            }
        }

        if (layer.Weights is { } config)
        {
            var (upper, lower) = Factors(linear, variant);
            weight = LearnableQuantizers.FakeQuantizeWeight(weight, config, upper, lower);
        }

        return TensorCorePadding.Linear(x, weight, bias);
    }
}
