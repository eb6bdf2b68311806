namespace WmQuant.Reports.Model;

/// <summary>One quantizable layer in the report's per-layer table.</summary>
/// <param name="Name">State-dict name of the layer.</param>
/// <param name="Bits">Weight bits (16 or more: left in float).</param>
/// <param name="Granularity">Scale granularity: tensor, channel or group (none when only the input is quantized).</param>
/// <param name="GroupSize">Weights per scale for group granularity (0 otherwise).</param>
/// <param name="Activations">Input setting in words ("A8 per-token", "none").</param>
/// <param name="WeightMse">Mean squared weight error.</param>
/// <param name="RelativeOutputError">‖XWᵀ − Q(X)Ŵᵀ‖² / ‖XWᵀ‖² on held-out calibration tokens; null without calibration data.</param>
public sealed record LayerRow(string Name, int Bits, string Granularity, int GroupSize, string Activations, double WeightMse, double? RelativeOutputError)
{
    /// <summary>Whether the layer's weights stayed float.</summary>
    public bool IsFloat => Bits >= 16;
}
