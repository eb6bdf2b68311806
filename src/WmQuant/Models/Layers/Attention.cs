using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Layers;

/// <summary>Multi-head attention on already projected q, k, v of shape [B, heads, N, dim_head], with scale dim_head^-0.5.</summary>
internal static class Attention
{
    /// <summary>Attends; <paramref name="allowed"/> is a boolean [N, N] mask (true = may attend) or null for full attention.</summary>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor? allowed, AttentionKernel kernel)
    {
        if (kernel == AttentionKernel.Fused)
        {
            return nn.functional.scaled_dot_product_attention(q, k, v, allowed);
        }

        using var scope = NewDisposeScope();
        var scale = Math.Pow(q.shape[^1], -0.5);
        var dots = q.matmul(k.transpose(-2, -1)).Mul(scale);
        if (allowed is not null)
        {
            dots = dots.MaskedFill(allowed.logical_not(), double.NegativeInfinity);
        }

        var weights = dots.softmax(-1);
        return weights.matmul(v).MoveToOuterDisposeScope();
    }

    /// <summary>Splits [B, N, 3·H·D] into q, k, v of [B, H, N, D] (the qkv layout of both DINOv2 and the predictor).</summary>
    public static (Tensor Q, Tensor K, Tensor V) SplitHeads(Tensor qkv, long heads)
    {
        var b = qkv.shape[0];
        var n = qkv.shape[1];
        var headDim = qkv.shape[2] / (3 * heads);
        var parts = qkv.reshape(b, n, 3, heads, headDim).permute(2, 0, 3, 1, 4);
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>Merges heads back: [B, H, N, D] → [B, N, H·D].</summary>
    public static Tensor MergeHeads(Tensor x)
    {
        var b = x.shape[0];
        var n = x.shape[2];
        return x.transpose(1, 2).reshape(b, n, x.shape[1] * x.shape[3]);
    }
}
