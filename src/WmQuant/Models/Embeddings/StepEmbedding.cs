using TorchSharp.Modules;
using WmQuant.Models.Layers;
using static TorchSharp.torch;

namespace WmQuant.Models.Embeddings;

/// <summary>
/// DINO-WM's action / proprio encoder: a kernel-1 Conv1d over time (so a per-step Linear),
/// stored as upstream's patch_embed.{weight [out,in,1], bias}. Input [B, T, in] → [B, T, out].
/// Quantization reaches it as an <see cref="IQuantizableLayer"/> named "{owner}.patch_embed" (default: float).
/// </summary>
public sealed class StepEmbedding : nn.Module<Tensor, Tensor>, IQuantizableLayer
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
    public string FullName { get; internal set; } = "patch_embed";

    /// <inheritdoc />
    public long InFeatures => patch_embed.weight!.shape[1];

    /// <inheritdoc />
    public long OutFeatures => patch_embed.weight!.shape[0];

    /// <inheritdoc />
    public Tensor WeightMatrix => patch_embed.weight!.squeeze(-1);

    /// <inheritdoc />
    public Func<Tensor, Tensor>? InputTransform { get; set; }

    /// <inheritdoc />
    public Action<string, Tensor>? InputObserver { get; set; }

    /// <inheritdoc />
    public void SetWeight(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var stored = patch_embed.weight!;
        if (values.dim() != 2 || values.shape[0] != stored.shape[0] || values.shape[1] != stored.shape[1])
        {
            throw new ArgumentException($"weight of {FullName} is [{stored.shape[0]},{stored.shape[1]}] as a matrix, got [{string.Join(",", values.shape)}]", nameof(values));
        }

        using var noGrad = no_grad();
        stored.copy_(values.unsqueeze(-1));
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        InputObserver?.Invoke(FullName, input);
        var x = InputTransform is null ? input : InputTransform(input);
        // A kernel-1 convolution over time is exactly a Linear on each step; the matmul form avoids two transposes.
        var weight = patch_embed.weight!.squeeze(-1);
        return nn.functional.linear(x, weight, patch_embed.bias).MoveToOuterDisposeScope();
    }
}
