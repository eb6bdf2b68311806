using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WmQuant.Models.Encoder;

/// <summary>DINOv2 patch embedding: a patch-size convolution with stride patch-size, flattened to tokens [B, P, D].</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field name is the upstream state-dict name.
    private readonly Conv2d proj;
#pragma warning restore IDE1006

    /// <summary>Creates a 3-channel → <paramref name="dim"/> patch projection.</summary>
    public PatchEmbed(long patchSize, long dim) : base(nameof(PatchEmbed))
    {
        proj = nn.Conv2d(3, dim, patchSize, stride: patchSize);
        RegisterComponents();
    }

    /// <summary>The patch convolution (weight [D, 3, p, p]).</summary>
    public Conv2d Proj => proj;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return proj.forward(input).flatten(2).transpose(1, 2).MoveToOuterDisposeScope();
    }
}
