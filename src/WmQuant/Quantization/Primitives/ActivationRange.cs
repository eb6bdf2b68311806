namespace WmQuant.Quantization.Primitives;

/// <summary>A calibrated activation range [Min, Max] for static per-tensor quantization.</summary>
/// <param name="Min">Smallest value to represent (the quantizer extends it to include zero).</param>
/// <param name="Max">Largest value to represent (the quantizer extends it to include zero).</param>
public readonly record struct ActivationRange(double Min, double Max)
{
    /// <summary>The range shrunk towards zero by <paramref name="ratio"/> (OMSE clipping).</summary>
    public ActivationRange Scaled(double ratio) => new(Min * ratio, Max * ratio);
}
