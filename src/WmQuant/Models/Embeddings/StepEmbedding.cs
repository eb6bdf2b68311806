using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WmQuant.Models.Embeddings;

/// <summary>
/// DINO-WM's action / proprio encoder: a kernel-1 Conv1d over time (so a per-step Linear),
/// stored as upstream's patch_embed.{weight [out,in,1], bias}. Input [B, T, in] → [B, T, out].
/// </summary>
public sealed class StepEmbedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field name is the upstream state-dict name.
    private readonly Conv1d patch_embed;
#pragma warning restore IDE1006

    /// <summary>Creates an embedding of <paramref name="inputDim"/> → <paramref name="embDim"/>.</summary>
    public StepEmbedding(long inputDim, long embDim) : base(nameof(StepEmbedding))
    {
        patch_embed = nn.Conv1d(inputDim, embDim, 1);
        RegisterComponents();
    }

    /// <summary>The kernel-1 convolution.</summary>
    public Conv1d PatchEmbed => patch_embed;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // A kernel-1 convolution over time is exactly a Linear on each step; the matmul form avoids two transposes.
        var weight = patch_embed.weight!.squeeze(-1);
        return nn.functional.linear(input, weight, patch_embed.bias).MoveToOuterDisposeScope();
    }
}
