using WmQuant.Models;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Model;

/// <summary>
/// What a plan decided for one layer. Bypass (16-bit) configs are normalised to null here, so "null" always
/// means "stays in float" and callers never test for bypass themselves.
/// </summary>
/// <param name="Name">Full layer name ("encoder.blocks.0.attn.qkv").</param>
/// <param name="Group">Module group of the layer, or null for a name outside the known groups.</param>
/// <param name="InFeatures">K, the input width.</param>
/// <param name="OutFeatures">N, the output width.</param>
/// <param name="Weights">Weight settings, or null when the weight stays in float.</param>
/// <param name="Activations">Input-activation settings, or null when the input stays in float.</param>
public sealed record LayerQuantSettings(string Name, ModuleGroup? Group, long InFeatures, long OutFeatures, WeightQuantConfig? Weights, ActivationQuantConfig? Activations)
{
    /// <summary>True when neither the weight nor the input is quantized.</summary>
    public bool IsFloat => Weights is null && Activations is null;

    /// <summary>True when the input is quantized with a static (calibrated) per-tensor range, which needs calibration data.</summary>
    public bool NeedsCalibratedRange => Activations is { Granularity: ActivationGranularity.PerTensorStatic };

    /// <summary>Short description for logs and reports, e.g. "W4 g128 sym scales Float16 + A8 per-tensor asym" or "float".</summary>
    public string Describe() => IsFloat
        ? "float"
        : string.Join(" + ", new[] { Weights?.ToString(), Activations?.ToString() }.Where(s => s is not null));
}
