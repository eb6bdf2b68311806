using WmQuant.Models.Layers;
using static TorchSharp.torch;

namespace WmQuant.Models.Encoder;

/// <summary>DINOv2 block MLP: fc1, exact GELU, fc2.</summary>
public sealed class DinoV2Mlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private readonly QuantizableLinear fc1;
    private readonly QuantizableLinear fc2;
#pragma warning restore IDE1006

    /// <summary>Creates dim → hidden → dim.</summary>
    public DinoV2Mlp(long dim, long hidden) : base(nameof(DinoV2Mlp))
    {
        fc1 = new QuantizableLinear(dim, hidden);
        fc2 = new QuantizableLinear(hidden, dim);
        RegisterComponents();
    }

    /// <summary>The expanding projection.</summary>
    public QuantizableLinear Fc1 => fc1;

    /// <summary>The contracting projection.</summary>
    public QuantizableLinear Fc2 => fc2;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(nn.functional.gelu(fc1.forward(input))).MoveToOuterDisposeScope();
    }
}
