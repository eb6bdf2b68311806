namespace WmQuant.Models.Layers;

/// <summary>How attention is computed. Both give the same result up to rounding; the explicit form exists so tests and debugging can see every step.</summary>
public enum AttentionKernel
{
    /// <summary>torch's scaled_dot_product_attention (fast, fused where the backend has a kernel).</summary>
    Fused,

    /// <summary>q·kᵀ·scale, −inf mask, softmax, ·v written out.</summary>
    Explicit,
}
