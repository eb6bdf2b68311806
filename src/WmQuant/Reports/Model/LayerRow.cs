namespace WmQuant.Reports.Model;

/// <summary>One quantized layer in the report's per-layer table.</summary>
/// <param name="Name">State-dict name of the layer.</param>
/// <param name="Weights">Weight setting in words ("W4 g128", "W8 channel", "float").</param>
/// <param name="Activations">Input setting in words ("A8 per-token", "none").</param>
/// <param name="WeightMse">Mean squared weight error.</param>
/// <param name="RelativeOutputError">‖XWᵀ − Q(X)Ŵᵀ‖² / ‖XWᵀ‖² on held-out calibration tokens; null without calibration data.</param>
public sealed record LayerRow(string Name, string Weights, string Activations, double WeightMse, double? RelativeOutputError);
