namespace WmQuant.Quantization.Primitives;

/// <summary>
/// Precision in which weight scales are stored. Quantization rounds scales to this precision before
/// using them, so the packed artifact reloads to exactly the evaluated fake-quant weights.
/// </summary>
public enum ScaleStorage
{
    /// <summary>IEEE half: 16 bits per scale (the compressed-tensors default); smallest artifacts.</summary>
    Float16,

    /// <summary>IEEE single: 32 bits per scale; for weights whose ranges fall outside fp16's.</summary>
    Float32,
}
