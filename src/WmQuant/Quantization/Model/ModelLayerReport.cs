using WmQuant.Models;
using WmQuant.Quantization.Methods;

namespace WmQuant.Quantization.Model;

/// <summary>One layer's line in a quantization report; layers left in float appear too, with <see cref="IsFloat"/> set.</summary>
/// <param name="Layer">Full layer name.</param>
/// <param name="Group">Module group.</param>
/// <param name="Settings">The plan's settings for the layer as text ("float" when left in float).</param>
/// <param name="Weights">Weight report; null when the weight stays in float.</param>
/// <param name="Activations">Input report; null when the input stays in float.</param>
/// <param name="OutputMse">
/// ‖XWᵀ − Q(X)Ŵᵀ‖²_F / n on the n held-out calibration tokens X of the layer (sampled tokens no method fitted on;
/// weights and input quantization together); null without calibration data or for float layers.
/// </param>
/// <param name="CalibrationTokens">Tokens the layer's calibration statistics saw (0 without calibration data).</param>
public sealed record ModelLayerReport(
    string Layer,
    ModuleGroup? Group,
    string Settings,
    LayerQuantReport? Weights,
    ActivationQuantReport? Activations,
    double? OutputMse,
    long CalibrationTokens)
{
    /// <summary>‖XWᵀ − Q(X)Ŵᵀ‖² / ‖XWᵀ‖² on the same held-out tokens, in the basis of the quantized model's layer; null without them.</summary>
    public double? RelativeOutputError { get; init; }

    /// <summary>True when neither the weight nor the input is quantized.</summary>
    public bool IsFloat => Weights is null && Activations is null;
}
