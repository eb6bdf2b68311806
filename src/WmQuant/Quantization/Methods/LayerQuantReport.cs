using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Methods;

/// <summary>What quantizing one layer's weight did, for reports and artifact metadata.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Method">Method name ("rtn", "omse", ...).</param>
/// <param name="Bits">Weight bits (16 = bypass).</param>
/// <param name="Granularity">Scale granularity.</param>
/// <param name="GroupSize">Group size (meaningful for per-group only).</param>
/// <param name="Symmetric">Symmetric codes or zero points.</param>
/// <param name="ScaleMin">Smallest scale (0 when bypassed).</param>
/// <param name="ScaleMean">Mean scale (0 when bypassed).</param>
/// <param name="ScaleMax">Largest scale (0 when bypassed).</param>
/// <param name="WeightMse">Mean over elements of (W − Ŵ)².</param>
/// <param name="OutputMse">‖XWᵀ − XŴᵀ‖²_F / n over n held-out calibration tokens X (tokens the method did not fit on); null without them.</param>
/// <param name="ClipGrid">The shrink grid searched, when the method searches one.</param>
/// <param name="MeanClipRatio">Mean chosen clipping ratio over scale groups (1 for RTN).</param>
public sealed record LayerQuantReport(
    string Layer,
    string Method,
    int Bits,
    WeightGranularity Granularity,
    int GroupSize,
    bool Symmetric,
    double ScaleMin,
    double ScaleMean,
    double ScaleMax,
    double WeightMse,
    double? OutputMse,
    string? ClipGrid,
    double MeanClipRatio)
{
    /// <summary>‖XWᵀ − XŴᵀ‖² / ‖XWᵀ‖² on the same held-out tokens; null without them.</summary>
    public double? RelativeOutputError { get; init; }
}
