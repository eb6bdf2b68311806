namespace WmQuant.Quantization.Primitives;

/// <summary>
/// A named scheme (in the spirit of compressed-tensors' preset schemes): the weight and input-activation settings a
/// name such as <c>W4A16-g128</c> stands for. Recipes name one with <c>quantization.scheme</c>; keys they set
/// themselves win.
/// </summary>
/// <param name="Name">The name users write.</param>
/// <param name="Weights">Weight settings.</param>
/// <param name="Activations">Input-activation settings, or null for weight-only.</param>
/// <param name="Description">What it is, for help texts and the JSON Schema.</param>
public sealed record QuantizationPreset(string Name, WeightQuantConfig Weights, ActivationQuantConfig? Activations, string Description);

/// <summary>The presets: symmetric weights (per channel, or groups of 128), asymmetric activations.</summary>
public static class QuantizationPresets
{
    private static readonly ActivationQuantConfig A8Token = new(8, ActivationGranularity.PerTokenDynamic);

    /// <summary>Every preset, in the order help texts list them.</summary>
    public static IReadOnlyList<QuantizationPreset> All { get; } =
    [
        new("W8A16", new(8, WeightGranularity.PerChannel), null, "8-bit weights per channel, float activations"),
        new("W6A16", new(6, WeightGranularity.PerChannel), null, "6-bit weights per channel, float activations"),
        new("W4A16", new(4, WeightGranularity.PerChannel), null, "4-bit weights per channel, float activations"),
        new("W4A16-g128", new(4, WeightGranularity.PerGroup, 128), null, "4-bit weights in groups of 128, float activations"),
        new("W3A16-g128", new(3, WeightGranularity.PerGroup, 128), null, "3-bit weights in groups of 128, float activations"),
        new("W8A8", new(8, WeightGranularity.PerChannel), A8Token, "8-bit weights per channel, 8-bit dynamic per-token activations"),
        new("W8A8-static", new(8, WeightGranularity.PerChannel), new(8, ActivationGranularity.PerTensorStatic),
            "8-bit weights per channel, 8-bit static per-tensor activations (calibrated)"),
        new("W6A6", new(6, WeightGranularity.PerChannel), new(6, ActivationGranularity.PerTokenDynamic),
            "6-bit weights per channel, 6-bit dynamic per-token activations"),
        new("W4A8", new(4, WeightGranularity.PerChannel), A8Token, "4-bit weights per channel, 8-bit dynamic per-token activations"),
    ];

    /// <summary>Every preset name.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(p => p.Name)];

    /// <summary>The preset of a name, or null.</summary>
    public static QuantizationPreset? Find(string? name) => All.FirstOrDefault(p => p.Name == name);
}
