using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods;

/// <summary>RTN has no options: every weight group and static range is taken at its full min/max.</summary>
public sealed record RtnOptions;

/// <summary>Round to nearest: the baseline every other method is measured against.</summary>
public static class RtnMethod
{
    /// <summary>The registered definition.</summary>
    public static QuantizationMethodDefinition<RtnOptions> Definition { get; } = new(
        "rtn",
        "Round to nearest over each scale group's full range; static activation ranges are the calibrated min/max.",
        _ => new ModelQuantizationMethod("rtn", new RtnWeightMethod(), new MinMaxActivationRange()));
}
