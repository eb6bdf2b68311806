using TorchSharp.Modules;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Encoder;

/// <summary>DINOv2 pre-LN transformer block with LayerScale on both residual branches.</summary>
public sealed class DinoV2Block : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private readonly LayerNorm norm1;
    private readonly DinoV2Attention attn;
    private readonly LayerScale ls1;
    private readonly LayerNorm norm2;
    private readonly DinoV2Mlp mlp;
    private readonly LayerScale ls2;
#pragma warning restore IDE1006

    /// <summary>Creates one block.</summary>
    public DinoV2Block(long dim, long heads, long mlpDim, double eps, double layerScaleInit) : base(nameof(DinoV2Block))
    {
        norm1 = nn.LayerNorm(dim, eps);
        attn = new DinoV2Attention(dim, heads);
        ls1 = new LayerScale(dim, layerScaleInit);
        norm2 = nn.LayerNorm(dim, eps);
        mlp = new DinoV2Mlp(dim, mlpDim);
        ls2 = new LayerScale(dim, layerScaleInit);
        RegisterComponents();
    }

    /// <summary>Norm before attention.</summary>
    public LayerNorm Norm1 => norm1;

    /// <summary>Self-attention.</summary>
    public DinoV2Attention Attn => attn;

    /// <summary>Gain on the attention branch.</summary>
    public LayerScale Ls1 => ls1;

    /// <summary>Norm before the MLP.</summary>
    public LayerNorm Norm2 => norm2;

    /// <summary>The MLP.</summary>
    public DinoV2Mlp Mlp => mlp;

    /// <summary>Gain on the MLP branch.</summary>
    public LayerScale Ls2 => ls2;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.Add(ls1.forward(attn.forward(norm1.forward(input))));
        x = x.Add(ls2.forward(mlp.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }
}
