using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.Awq;

/// <summary>AWQ as the registry knows it.</summary>
public static class AwqDefinition
{
    /// <summary>The registered definition: weights only, always calibrated.</summary>
    public static QuantizationMethodDefinition<AwqOptions> Definition { get; } = new(
        "awq",
        "Activation-aware weight quantization: per-input-channel scales searched on calibration inputs and folded into the preceding norm (or value rows), then a clipping search.",
        options => new AwqMethod(options),
        weightOnly: true,
        requiresCalibration: true);
}
