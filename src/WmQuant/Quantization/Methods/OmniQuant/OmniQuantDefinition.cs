using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.OmniQuant;

/// <summary>OmniQuant as the registry knows it.</summary>
public static class OmniQuantDefinition
{
    /// <summary>The registered definition: weights and optionally activations, always calibrated (with block input sequences).</summary>
    public static QuantizationMethodDefinition<OmniQuantOptions> Definition { get; } = new(
        "omniquant",
        "Block-wise optimisation: learnable weight clipping and a learnable equivalent transformation (SmoothQuant-initialised scales and shifts, folded) trained per block to match the full-precision block's output.",
        options => new OmniQuantMethod(options),
        weightOnly: false,
        requiresCalibration: true);
}
