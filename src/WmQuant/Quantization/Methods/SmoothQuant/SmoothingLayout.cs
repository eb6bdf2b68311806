using TorchSharp.Modules;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.SmoothQuant;

/// <summary>The Linear input a smoothing group changes the basis of.</summary>
internal enum SmoothingSite
{
    /// <summary>The fused q/k/v projection's input, behind the attention norm.</summary>
    Qkv,

    /// <summary>The attention output projection's input, behind the value rows of the q/k/v projection.</summary>
    Proj,

    /// <summary>The first MLP Linear's input, behind the MLP norm.</summary>
    Fc1,
}

/// <summary>
/// A per-input-channel affine change of basis of a Linear's input, X′ = (X − δ)·diag(1/s), with s &gt; 0 [K] and an
/// optional shift δ [K]: what SmoothQuant (s only) and OmniQuant's LET (s and δ) fold into a model. Owns its tensors.
/// </summary>
internal sealed class ChannelTransform : IDisposable
{
    /// <summary>Takes ownership of <paramref name="scales"/> and <paramref name="shifts"/> (float32 [K]).</summary>
    public ChannelTransform(Tensor scales, Tensor? shifts = null)
    {
        ArgumentNullException.ThrowIfNull(scales);
        Scales = scales;
        Shifts = shifts;
    }

    /// <summary>s [K], float32, positive.</summary>
    public Tensor Scales { get; }

    /// <summary>δ [K], float32, or null for none.</summary>
    public Tensor? Shifts { get; }

    /// <summary>(X − δ)/s for inputs X [..., K] in the original basis, on X's device and in float32.</summary>
    public Tensor Apply(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var values = x.to_type(ScalarType.Float32);
        if (Shifts is not null)
        {
            values = values - Shifts.to(values.device);
        }

        return (values / Scales.to(values.device)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Scales.Dispose();
        Shifts?.Dispose();
    }

    /// <summary>
    /// The static input range of a layer whose calibration statistics were recorded in the original basis, for its
    /// input after <paramref name="transform"/> (null: the recorded [min, max], exactly what RTN uses): the calibration
    /// statistics keep every channel's signed extremes [min_j, max_j] over all tokens seen, and x ↦ (x − δ_j)/s_j is
    /// increasing (s_j &gt; 0), so [min_j (min_j − δ_j)/s_j, max_j (max_j − δ_j)/s_j] is exactly the min/max of the
    /// transformed calibration inputs — the range RTN would have recorded on the folded model. With s = 1 and δ = 0 it
    /// is [min, max].
    /// </summary>
    public static ActivationRange InputRange(LayerActivationStatistics statistics, ChannelTransform? transform)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (transform is null)
        {
            return new ActivationRange(statistics.Min, statistics.Max);
        }

        using var scope = NewDisposeScope();
        var (low, high) = ChannelBounds(statistics, ScalarType.Float64, CPU);
        var s = transform.Scales.to(ScalarType.Float64, CPU);
        if (transform.Shifts is { } shifts)
        {
            var d = shifts.to(ScalarType.Float64, CPU);
            low = low - d;
            high = high - d;
        }

        return new ActivationRange((low / s).min().item<double>(), (high / s).max().item<double>());
    }

    /// <summary>Per channel the recorded extremes [min_j, max_j] of a layer's input, as [K] tensors.</summary>
    public static (Tensor Low, Tensor High) ChannelBounds(LayerActivationStatistics statistics, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        using var scope = NewDisposeScope();
        var low = statistics.ChannelMin().to(dtype, device);
        var high = statistics.ChannelMax().to(dtype, device);
        return (low.MoveToOuterDisposeScope(), high.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// Linears that read one input, with the operation in front of them that can absorb a per-input-channel affine change
/// of basis (X − δ)/s: <see cref="Fold"/> moves 1/s (and −δ) into that operation's outputs and s (and W·δ) into the
/// Linears, which leaves the model's function unchanged up to float rounding.
/// </summary>
internal sealed class SmoothingGroup
{
    private readonly LayerNorm? norm;
    private readonly QuantizableLinear? values;

    private SmoothingGroup(string source, SmoothingSite site, IReadOnlyList<QuantizableLinear> linears, LayerNorm? norm, QuantizableLinear? values)
    {
        Source = source;
        Site = site;
        Linears = linears;
        this.norm = norm;
        this.values = values;
        CanShift = linears.All(l => l.Bias is not null) && (values is null || values.Bias is not null);
    }

    /// <summary>The operation that absorbs the inverse ("encoder.blocks.0.norm1", "… attn.qkv (value rows)").</summary>
    public string Source { get; }

    /// <summary>Which input of the block this is.</summary>
    public SmoothingSite Site { get; }

    /// <summary>The Linears reading the input (their columns are multiplied by s).</summary>
    public IReadOnlyList<QuantizableLinear> Linears { get; }

    /// <summary>
    /// Whether a shift can be folded: every Linear has a bias to absorb W·δ and the source can subtract δ (a norm's
    /// β always can; value rows only through the projection's bias, which the predictor's bias-free to_qkv lacks).
    /// </summary>
    public bool CanShift { get; }

    /// <summary>The first Linear's name: its calibration statistics describe the group's input.</summary>
    public string InputLayer => Linears[0].FullName;

    /// <summary>A LayerNorm feeding <paramref name="linears"/>.</summary>
    public static SmoothingGroup AfterNorm(string name, SmoothingSite site, LayerNorm norm, params QuantizableLinear[] linears) =>
        new(name, site, linears, norm, null);

    /// <summary>
    /// The value rows of a fused q/k/v projection (its last <c>output.InFeatures</c> rows) feeding an attention output
    /// projection: attention averages value vectors over tokens (weights summing to 1), so an affine change of basis of
    /// the values is the same change of the output projection's input.
    /// </summary>
    public static SmoothingGroup AfterValues(QuantizableLinear qkv, QuantizableLinear output) =>
        new($"{qkv.FullName} (value rows)", SmoothingSite.Proj, [output], null, qkv);

    /// <summary>Folds X′ = (X − δ)/s into the source and the Linears (no shift unless <see cref="CanShift"/>).</summary>
    /// <exception cref="InvalidOperationException">A shift where none can be folded (a bug in the caller).</exception>
    public void Fold(ChannelTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        if (transform.Shifts is not null && !CanShift)
        {
            throw new InvalidOperationException($"{Source} cannot absorb a shift (a Linear without bias)");
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (norm is not null)
        {
            var s = transform.Scales.to(norm.weight!.dtype, norm.weight.device);
            norm.weight.div_(s);
            var bias = transform.Shifts is { } d ? norm.bias! - d.to(norm.bias!.dtype, norm.bias.device) : norm.bias!.clone();
            norm.bias!.copy_(bias / s);
        }
        else
        {
            DivideValueRows(values!, Linears[0].InFeatures, transform);
        }

        foreach (var linear in Linears)
        {
            var weight = linear.Weight.detach();
            if (transform.Shifts is { } d)
            {
                linear.SetBias(linear.Bias!.Add(weight.matmul(d.to(weight.dtype, weight.device))));
            }

            linear.SetWeight(weight * transform.Scales.to(weight.dtype, weight.device));
        }
    }

    /// <summary>Value rows (weight and bias) become (v − δ)/s.</summary>
    private static void DivideValueRows(QuantizableLinear qkv, long width, ChannelTransform transform)
    {
        long offset = qkv.OutFeatures - width;
        var weight = qkv.Weight.detach().clone();
        var s = transform.Scales.to(weight.dtype, weight.device);
        weight.narrow(0, offset, width).div_(s.unsqueeze(1));
        qkv.SetWeight(weight);
        if (qkv.Bias is { } bias)
        {
            var shifted = bias.detach().clone();
            var rows = shifted.narrow(0, offset, width);
            if (transform.Shifts is { } d)
            {
                rows.sub_(d.to(rows.dtype, rows.device));
            }

            rows.div_(s);
            qkv.SetBias(shifted);
        }
    }
}

/// <summary>
/// One transformer block of a DINO-WM model seen the same way for encoder blocks and predictor layers: its norms,
/// Linears, LayerScale gains (encoder only), head count, and its three smoothing groups (norm → qkv, value rows →
/// output projection, norm → first MLP Linear).
/// </summary>
internal sealed class TransformerBlock
{
    private readonly Func<Tensor, Tensor?, Tensor> forward;

    private TransformerBlock(
        string name,
        (LayerNorm Norm1, QuantizableLinear Qkv, QuantizableLinear Proj, LayerNorm Norm2, QuantizableLinear Fc1, QuantizableLinear Fc2) parts,
        (LayerScale Ls1, LayerScale Ls2)? gains,
        long heads,
        double eps,
        Func<AttentionKernel> kernel,
        Func<Tensor, Tensor?, Tensor> forward)
    {
        Name = name;
        (Norm1, Qkv, Proj, Norm2, Fc1, Fc2) = parts;
        Ls1 = gains?.Ls1;
        Ls2 = gains?.Ls2;
        Heads = heads;
        Eps = eps;
        KernelOf = kernel;
        this.forward = forward;
        QkvGroup = SmoothingGroup.AfterNorm(Norm1Name, SmoothingSite.Qkv, Norm1, Qkv);
        ProjGroup = SmoothingGroup.AfterValues(Qkv, Proj);
        Fc1Group = SmoothingGroup.AfterNorm(Norm2Name, SmoothingSite.Fc1, Norm2, Fc1);
    }

    /// <summary>"encoder.blocks.0" or "predictor.transformer.layers.0".</summary>
    public string Name { get; }

    /// <summary>True for a predictor layer (frame-causal mask, no LayerScale, bias-free to_qkv).</summary>
    public bool IsPredictor => Ls1 is null;

    /// <summary>Attention norm.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Fused q/k/v projection.</summary>
    public QuantizableLinear Qkv { get; }

    /// <summary>Attention output projection.</summary>
    public QuantizableLinear Proj { get; }

    /// <summary>MLP norm.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>First MLP Linear.</summary>
    public QuantizableLinear Fc1 { get; }

    /// <summary>Second MLP Linear (reads GELU outputs: no smoothing group).</summary>
    public QuantizableLinear Fc2 { get; }

    /// <summary>LayerScale gain of the attention branch (encoder), or null.</summary>
    public LayerScale? Ls1 { get; }

    /// <summary>LayerScale gain of the MLP branch (encoder), or null.</summary>
    public LayerScale? Ls2 { get; }

    /// <summary>Attention heads.</summary>
    public long Heads { get; }

    /// <summary>LayerNorm epsilon of both norms.</summary>
    public double Eps { get; }

    /// <summary>The attention kernel the block currently uses.</summary>
    public Func<AttentionKernel> KernelOf { get; }

    /// <summary>norm1 → qkv.</summary>
    public SmoothingGroup QkvGroup { get; }

    /// <summary>qkv value rows → proj.</summary>
    public SmoothingGroup ProjGroup { get; }

    /// <summary>norm2 → fc1.</summary>
    public SmoothingGroup Fc1Group { get; }

    /// <summary>The three groups in block order.</summary>
    public IReadOnlyList<SmoothingGroup> Groups => [QkvGroup, ProjGroup, Fc1Group];

    /// <summary>The four Linears in block order.</summary>
    public IReadOnlyList<QuantizableLinear> Linears => [Qkv, Proj, Fc1, Fc2];

    private string Norm1Name => IsPredictorName ? $"{Name}.0.norm" : $"{Name}.norm1";

    private string Norm2Name => IsPredictorName ? $"{Name}.1.net.0" : $"{Name}.norm2";

    private bool IsPredictorName => Name.StartsWith(ModuleGroups.Prefix(ModuleGroup.Predictor), StringComparison.Ordinal);

    /// <summary>The block's own forward (modules as they are now: folded weights, installed input quantizers).</summary>
    public Tensor Forward(Tensor input, Tensor? mask) => forward(input, mask);

    /// <summary>Every encoder block, then every predictor layer, of <paramref name="model"/>.</summary>
    public static IReadOnlyList<TransformerBlock> Of(DinoWorldModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var blocks = new List<TransformerBlock>();
        var config = model.Config;
        for (int i = 0; i < model.Encoder.Blocks.Count; i++)
        {
            var block = model.Encoder.Blocks[i];
            blocks.Add(new TransformerBlock(
                $"{ModuleGroups.Prefix(ModuleGroup.Encoder)}.blocks.{i}",
                (block.Norm1, block.Attn.Qkv, block.Attn.Proj, block.Norm2, block.Mlp.Fc1, block.Mlp.Fc2),
                (block.Ls1, block.Ls2),
                config.Encoder.Heads,
                config.Encoder.LayerNormEps,
                () => block.Attn.Kernel,
                (x, _) => block.forward(x)));
        }

        for (int i = 0; i < model.Predictor.Transformer.Layers.Count; i++)
        {
            var layer = model.Predictor.Transformer.Layers[i];
            blocks.Add(new TransformerBlock(
                $"{ModuleGroups.Prefix(ModuleGroup.Predictor)}.transformer.layers.{i}",
                (layer.Attention.Norm, layer.Attention.ToQkv, layer.Attention.ToOut, layer.FeedForward.Norm, layer.FeedForward.Fc1, layer.FeedForward.Fc2),
                null,
                config.Predictor.Heads,
                config.Predictor.LayerNormEps,
                () => layer.Attention.Kernel,
                (x, mask) => layer.forward(x, mask)));
        }

        return blocks;
    }
}
