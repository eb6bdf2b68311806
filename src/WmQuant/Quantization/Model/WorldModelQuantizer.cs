using WmQuant.Models;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Model;

/// <summary>
/// Applies a weight method (RTN, OMSE, ...) layer by layer over a world model, in place, as
/// fake quantization: each weight becomes dequant(quant(W)), which is what evaluation plans with
/// and what a packed artifact reloads to. Returns the per-layer reports and the integer codes.
/// </summary>
public static class WorldModelQuantizer
{
    /// <summary>Quantizes the model in place; layers the plan leaves in float are untouched.</summary>
    public static IReadOnlyList<QuantizedLayer> Apply(DinoWorldModel model, ModelQuantizationPlan plan, IWeightQuantMethod method)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(method);
        var layers = new List<QuantizedLayer>();
        foreach (var (name, layer) in model.NamedLinears())
        {
            var config = plan.WeightsFor(name);
            if (config is not null && !config.IsBypass)
            {
                using var scope = NewDisposeScope();
                var result = method.Apply(name, layer.Weight.detach(), config);
                layer.SetWeight(result.FakeQuantWeight);
                var codes = result.Quantized;
                codes?.MoveToOuterDisposeScope();
                layers.Add(new QuantizedLayer(name, result.Report, codes));
            }

            if (plan.Activations is { } activations && config is not null)
            {
                var quantizer = new ActivationFakeQuantizer(activations);
                layer.InputTransform = quantizer.AsTransform();
            }
        }

        return layers;
    }
}

/// <summary>One quantized layer: its report and, where the method produced them, its integer codes (for packing).</summary>
/// <param name="Name">State-dict name of the Linear.</param>
/// <param name="Report">Scale statistics and errors.</param>
/// <param name="Codes">Integer codes and scales to pack; null for methods that give only a fake-quant weight.</param>
public sealed record QuantizedLayer(string Name, LayerQuantReport Report, QuantizedWeight? Codes);
