namespace WmQuant.Reports.Model;

/// <summary>How much planning loss grows when only this layer is quantized: where to spend extra bits.</summary>
/// <param name="Layer">Module path of the layer.</param>
/// <param name="LossChange">Planning loss with only this layer quantized minus the FP planning loss.</param>
public sealed record LayerSensitivity(string Layer, double LossChange);
