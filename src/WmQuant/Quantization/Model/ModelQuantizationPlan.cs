using WmQuant.Models;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Model;

/// <summary>
/// Which Linear layers of a world model get which weight and activation settings. The study's
/// default scope is every encoder and predictor Linear; everything else stays in float.
/// </summary>
/// <param name="Encoder">Weights of encoder Linears (null: float).</param>
/// <param name="Predictor">Weights of predictor Linears (null: float).</param>
/// <param name="Activations">Fake-quant of the inputs of every quantized Linear (null: float).</param>
public sealed record ModelQuantizationPlan(WeightQuantConfig? Encoder, WeightQuantConfig? Predictor, ActivationQuantConfig? Activations = null)
{
    /// <summary>The weight settings for one layer, or null to keep it in float.</summary>
    public WeightQuantConfig? WeightsFor(string layerName) => ModuleGroups.Of(layerName) switch
    {
        ModuleGroup.Encoder => Encoder,
        ModuleGroup.Predictor => Predictor,
        _ => null,
    };
}
