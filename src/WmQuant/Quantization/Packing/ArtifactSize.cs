namespace WmQuant.Quantization.Packing;

/// <summary>Storage of one packed layer weight.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Bits">Code bits.</param>
/// <param name="Weights">N·K.</param>
/// <param name="StorageBits">Bits of the int32 words holding the codes (unused word bits and row padding included), scales and zero points.</param>
public sealed record ArtifactLayerSize(string Layer, int Bits, long Weights, long StorageBits)
{
    /// <summary>Storage bits per weight, scales and zero points included.</summary>
    public double EffectiveBitsPerWeight => (double)StorageBits / Weights;
}

/// <summary>
/// How big a packed artifact is, against the same model in fp32: per packed layer, over all packed weights, and
/// for the whole file (float tensors such as norms, embeddings and the decoder included).
/// </summary>
/// <param name="Layers">Packed layers, in model order.</param>
/// <param name="Fp32ParameterBytes">Every parameter of the model at 4 bytes.</param>
/// <param name="TensorBytes">Bytes of every tensor in the artifact (packed codes, scales, zero points, shapes, activation parameters, float tensors).</param>
/// <param name="FileBytes">Bytes of the safetensors file or shards (headers included; config.json and the index not counted).</param>
public sealed record ArtifactSize(IReadOnlyList<ArtifactLayerSize> Layers, long Fp32ParameterBytes, long TensorBytes, long FileBytes)
{
    /// <summary>Weights stored packed.</summary>
    public long QuantizedWeights => Layers.Sum(l => l.Weights);

    /// <summary>Storage bits of all packed weights (codes with padding, scales, zero points).</summary>
    public long QuantizedStorageBits => Layers.Sum(l => l.StorageBits);

    /// <summary>Storage bits per packed weight, over all packed layers (0 when nothing is packed).</summary>
    public double EffectiveBitsPerQuantizedWeight => QuantizedWeights == 0 ? 0 : (double)QuantizedStorageBits / QuantizedWeights;

    /// <summary>fp32 parameter bytes over artifact tensor bytes: the whole-model size reduction (e.g. 3.2 = 3.2× smaller).</summary>
    public double WholeModelReduction => (double)Fp32ParameterBytes / TensorBytes;

    /// <summary>fp32 bytes of the packed layers' weights over their packed bytes.</summary>
    public double QuantizedLayersReduction => QuantizedStorageBits == 0 ? 1 : QuantizedWeights * 32.0 / QuantizedStorageBits;
}
