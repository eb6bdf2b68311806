namespace WmQuant.Reports.Model;

/// <summary>How big the model is before and after packing.</summary>
/// <param name="Fp32Bytes">Bytes of every weight in fp32.</param>
/// <param name="PackedBytes">Bytes of every tensor in the packed file (codes, scales, zero points and the float tensors).</param>
/// <param name="QuantizedWeights">Number of weights stored as codes.</param>
/// <param name="BitsPerQuantizedWeight">Storage bits (codes, scales, zero points) per quantized weight.</param>
public sealed record SizeSummary(long Fp32Bytes, long PackedBytes, long QuantizedWeights, double BitsPerQuantizedWeight)
{
    /// <summary>Parameters of the whole model (fp32 bytes / 4).</summary>
    public long Parameters => Fp32Bytes / 4;

    /// <summary>Packed bits per parameter over the whole model, float tensors included; NaN without parameters.</summary>
    public double BitsPerParameter => Parameters > 0 ? PackedBytes * 8.0 / Parameters : double.NaN;

    /// <summary>fp32 bytes / packed bytes; NaN when nothing was packed.</summary>
    public double Reduction => PackedBytes > 0 ? (double)Fp32Bytes / PackedBytes : double.NaN;
}
