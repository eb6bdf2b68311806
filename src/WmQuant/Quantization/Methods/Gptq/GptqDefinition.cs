using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.Gptq;

/// <summary>GPTQ as the registry knows it.</summary>
public static class GptqDefinition
{
    /// <summary>The registered definition: weights only, always calibrated.</summary>
    public static QuantizationMethodDefinition<GptqOptions> Definition { get; } = new(
        "gptq",
        "Hessian-based error feedback: columns quantized in turn, each one's error spread over the columns not yet quantized.",
        options => new GptqMethod(options),
        weightOnly: true,
        requiresCalibration: true);
}
