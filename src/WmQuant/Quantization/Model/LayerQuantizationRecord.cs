using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Model;

/// <summary>
/// What a method did to one layer: the codes to pack (so an artifact reloads to exactly the evaluated weight), the
/// input quantizer it installed, and the report. Float layers have a record too, with neither.
/// </summary>
/// <param name="Settings">The plan's settings for the layer.</param>
/// <param name="Codes">Integer codes and scales of the weight; null when the weight stays in float.</param>
/// <param name="InputQuantizer">The quantizer installed as the layer's input transform; null when the input stays in float.</param>
/// <param name="Report">The layer's report.</param>
public sealed record LayerQuantizationRecord(LayerQuantSettings Settings, QuantizedWeight? Codes, ActivationFakeQuantizer? InputQuantizer, ModelLayerReport Report)
{
    /// <summary>Full layer name.</summary>
    public string Name => Settings.Name;
}
