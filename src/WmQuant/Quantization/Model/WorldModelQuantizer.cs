using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Model;

/// <summary>
/// Shortcuts over <see cref="IModelQuantizationMethod"/> for callers that have a per-weight method and no
/// calibration data (weights and dynamic per-token activations only), e.g. <c>wmq eval</c>'s quick options.
/// </summary>
public static class WorldModelQuantizer
{
    /// <summary>
    /// Quantizes the model in place with <paramref name="method"/> for weights; layers the plan leaves in float are
    /// untouched. Returns the weight-quantized layers.
    /// </summary>
    /// <exception cref="InvalidOperationException">The plan needs calibration data (static activation ranges) or the model was already quantized.</exception>
    public static IReadOnlyList<QuantizedLayer> Apply(DinoWorldModel model, ModelQuantizationPlan plan, IWeightQuantMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var result = Apply(model, plan, new ModelQuantizationMethod(method.Name, method, new MinMaxActivationRange()), calibration: null).Unwrap();
        return [.. result.Layers.Where(l => l.Report.Weights is not null).Select(l => new QuantizedLayer(l.Name, l.Report.Weights!, l.Codes))];
    }

    /// <summary>Runs <paramref name="method"/> on the model: the general entry point, kept here for discoverability.</summary>
    public static QuantizationOutcome Apply(DinoWorldModel model, ModelQuantizationPlan plan, IModelQuantizationMethod method, CalibrationSet? calibration)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(method);
        return method.Apply(model, calibration, plan);
    }
}

/// <summary>One weight-quantized layer: its report and, where the method produced them, its integer codes (for packing).</summary>
/// <param name="Name">State-dict name of the layer.</param>
/// <param name="Report">Scale statistics and errors.</param>
/// <param name="Codes">Integer codes and scales to pack; null for methods that give only a fake-quant weight.</param>
public sealed record QuantizedLayer(string Name, LayerQuantReport Report, QuantizedWeight? Codes);
