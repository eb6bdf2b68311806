using TorchSharp.Modules;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.Awq;

/// <summary>
/// Linears that read the same input, with the operation in front of them that can absorb a per-input-channel scale
/// s: <see cref="Fold"/> divides that operation's outputs by s and multiplies the Linears' input columns by s, which
/// leaves the model's function unchanged (up to float rounding) while the Linears' weights become W·diag(s).
/// </summary>
internal sealed class AwqScaleGroup
{
    private readonly Action<Tensor> divideSourceOutputs;

    private AwqScaleGroup(string source, IReadOnlyList<QuantizableLinear> linears, Action<Tensor> divideSourceOutputs)
    {
        Source = source;
        Linears = linears;
        this.divideSourceOutputs = divideSourceOutputs;
    }

    /// <summary>The operation that absorbs 1/s ("encoder.blocks.0.norm1", "encoder.blocks.0.attn.qkv (value rows)").</summary>
    public string Source { get; }

    /// <summary>The Linears whose input columns are multiplied by s (they share one input).</summary>
    public IReadOnlyList<QuantizableLinear> Linears { get; }

    /// <summary>A LayerNorm's outputs feeding <paramref name="linears"/>: γ and β are divided by s.</summary>
    public static AwqScaleGroup AfterNorm(string name, LayerNorm norm, params QuantizableLinear[] linears) => new(name, linears, scales =>
    {
        var factor = scales.to(norm.weight!.dtype, norm.weight.device);
        norm.weight.div_(factor);
        norm.bias!.div_(factor);
    });

    /// <summary>
    /// The value rows of a fused q/k/v projection (its last <c>output.InFeatures</c> rows) feeding an attention output
    /// projection: attention mixes tokens, not channels, so dividing value channel c (weight row and bias) by s_c
    /// divides the output projection's input channel c by s_c.
    /// </summary>
    public static AwqScaleGroup AfterValues(QuantizableLinear qkv, QuantizableLinear output) =>
        new($"{qkv.FullName} (value rows)", [output], scales => DivideValueRows(qkv, output.InFeatures, scales));

    /// <summary>Divides the last <paramref name="width"/> rows of <paramref name="qkv"/> (weight and bias) by the scales.</summary>
    private static void DivideValueRows(QuantizableLinear qkv, long width, Tensor scales)
    {
        long offset = qkv.OutFeatures - width;
        var weight = qkv.Weight.detach().clone();
        weight.narrow(0, offset, width).div_(scales.to(weight.dtype, weight.device).unsqueeze(1));
        qkv.SetWeight(weight);
        if (qkv.Bias is { } bias)
        {
            var values = bias.detach().clone();
            values.narrow(0, offset, width).div_(scales.to(values.dtype, values.device));
            qkv.SetBias(values);
        }
    }

    /// <summary>Divides the source's outputs by <paramref name="scales"/> [K] and multiplies the Linears' input columns by them.</summary>
    public void Fold(Tensor scales)
    {
        ArgumentNullException.ThrowIfNull(scales);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        divideSourceOutputs(scales);
        foreach (var linear in Linears)
        {
            linear.SetWeight(linear.Weight * scales.to(linear.Weight.dtype, linear.Weight.device));
        }
    }
}

/// <summary>
/// Where AWQ can fold scales in a DINO-WM model: per encoder block norm1 → attn.qkv, the value rows of attn.qkv →
/// attn.proj and norm2 → mlp.fc1, with LayerScale gains (ls1 into attn.proj, ls2 into mlp.fc2) folded first; per
/// predictor layer <c>0.norm → 0.to_qkv</c>, the value rows of <c>0.to_qkv</c> → <c>0.to_out.0</c> and
/// <c>1.net.0 → 1.net.1</c>. The second MLP Linears (mlp.fc2, <c>1.net.4</c>) read GELU outputs, which no per-channel
/// scale passes through unchanged, so they have no group; nor have the action and proprio step embeddings.
/// </summary>
internal sealed class AwqModelLayout
{
    private AwqModelLayout(
        IReadOnlyList<(LayerScale Gain, QuantizableLinear Target)> layerScales,
        IReadOnlyList<AwqScaleGroup> groups,
        IReadOnlyDictionary<string, long> queryKeyRows)
    {
        LayerScales = layerScales;
        Groups = groups;
        QueryKeyRows = queryKeyRows;
    }

    /// <summary>Each DINOv2 LayerScale gain and the Linear whose output it multiplies.</summary>
    public IReadOnlyList<(LayerScale Gain, QuantizableLinear Target)> LayerScales { get; }

    /// <summary>The scale groups in model order.</summary>
    public IReadOnlyList<AwqScaleGroup> Groups { get; }

    /// <summary>Fused q/k/v projections by name, with the number of their leading (query and key) rows.</summary>
    public IReadOnlyDictionary<string, long> QueryKeyRows { get; }

    /// <summary>The layout of <paramref name="model"/>.</summary>
    public static AwqModelLayout Of(DinoWorldModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layerScales = new List<(LayerScale, QuantizableLinear)>();
        var groups = new List<AwqScaleGroup>();
        var queryKeyRows = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < model.Encoder.Blocks.Count; i++)
        {
            var block = model.Encoder.Blocks[i];
            string prefix = $"{ModuleGroups.Prefix(ModuleGroup.Encoder)}.blocks.{i}";
            layerScales.Add((block.Ls1, block.Attn.Proj));
            layerScales.Add((block.Ls2, block.Mlp.Fc2));
            groups.Add(AwqScaleGroup.AfterNorm($"{prefix}.norm1", block.Norm1, block.Attn.Qkv));
            groups.Add(AwqScaleGroup.AfterValues(block.Attn.Qkv, block.Attn.Proj));
            groups.Add(AwqScaleGroup.AfterNorm($"{prefix}.norm2", block.Norm2, block.Mlp.Fc1));
            queryKeyRows[block.Attn.Qkv.FullName] = block.Attn.Qkv.OutFeatures - block.Attn.Proj.InFeatures;
        }

        for (int i = 0; i < model.Predictor.Transformer.Layers.Count; i++)
        {
            var layer = model.Predictor.Transformer.Layers[i];
            string prefix = $"{ModuleGroups.Prefix(ModuleGroup.Predictor)}.transformer.layers.{i}";
            groups.Add(AwqScaleGroup.AfterNorm($"{prefix}.0.norm", layer.Attention.Norm, layer.Attention.ToQkv));
            groups.Add(AwqScaleGroup.AfterValues(layer.Attention.ToQkv, layer.Attention.ToOut));
            groups.Add(AwqScaleGroup.AfterNorm($"{prefix}.1.net.0", layer.FeedForward.Norm, layer.FeedForward.Fc1));
            queryKeyRows[layer.Attention.ToQkv.FullName] = layer.Attention.ToQkv.OutFeatures - layer.Attention.ToOut.InFeatures;
        }

        return new AwqModelLayout(layerScales, groups, queryKeyRows);
    }

    /// <summary>
    /// Moves a LayerScale gain γ into the Linear before it (weight rows and bias multiplied by γ, γ set to 1): the
    /// branch's output is unchanged up to float rounding, and the Linear's weight now carries the gain.
    /// </summary>
    public static void FoldLayerScale(LayerScale gain, QuantizableLinear target)
    {
        ArgumentNullException.ThrowIfNull(gain);
        ArgumentNullException.ThrowIfNull(target);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var gamma = gain.Gamma.detach().to(target.Weight.dtype, target.Weight.device);
        target.SetWeight(target.Weight * gamma.unsqueeze(1));
        if (target.Bias is { } bias)
        {
            target.SetBias(bias * gamma);
        }

        gain.Gamma.FillInPlace(1);
    }
}
