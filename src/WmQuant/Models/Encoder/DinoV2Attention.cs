using WmQuant.Models.Layers;
using static TorchSharp.torch;

namespace WmQuant.Models.Encoder;

/// <summary>DINOv2 self-attention: qkv with bias, all tokens attend to all, output projection.</summary>
public sealed class DinoV2Attention : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private readonly QuantizableLinear qkv;
    private readonly QuantizableLinear proj;
#pragma warning restore IDE1006
    private readonly long _heads;

    /// <summary>Creates attention over <paramref name="dim"/>-wide tokens with <paramref name="heads"/> heads.</summary>
    public DinoV2Attention(long dim, long heads) : base(nameof(DinoV2Attention))
    {
        _heads = heads;
        qkv = new QuantizableLinear(dim, 3 * dim);
        proj = new QuantizableLinear(dim, dim);
        RegisterComponents();
    }

    /// <summary>How the attention itself is computed.</summary>
    public AttentionKernel Kernel { get; set; } = AttentionKernel.Fused;

    /// <summary>The fused q/k/v projection.</summary>
    public QuantizableLinear Qkv => qkv;

    /// <summary>The output projection.</summary>
    public QuantizableLinear Proj => proj;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Attention.SplitHeads(qkv.forward(input), _heads);
        var attended = Attention.Compute(q, k, v, null, Kernel);
        return proj.forward(Attention.MergeHeads(attended)).MoveToOuterDisposeScope();
    }
}
