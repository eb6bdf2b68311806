using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.SmoothQuant;

/// <summary>SmoothQuant as the registry knows it.</summary>
public static class SmoothQuantDefinition
{
    /// <summary>The registered definition: weights and activations, always calibrated (the scales need activation maxima).</summary>
    public static QuantizationMethodDefinition<SmoothQuantOptions> Definition { get; } = new(
        "smoothquant",
        "Migrates activation outliers into the weights: per-input-channel scales s = max|x|^alpha / max|w|^(1-alpha) folded into the preceding norm, then round-to-nearest weights and quantized inputs.",
        options => new SmoothQuantMethod(options),
        weightOnly: false,
        requiresCalibration: true);
}
