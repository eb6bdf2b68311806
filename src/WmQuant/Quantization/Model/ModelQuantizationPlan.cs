using WmQuant.Models;
using WmQuant.Models.Config;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Model;

/// <summary>
/// Which layers of a world model get which weight and activation settings. The positional settings are the
/// study's default scope: every encoder Linear gets <see cref="Encoder"/>, every predictor Linear
/// <see cref="Predictor"/>, and the inputs of both get <see cref="Activations"/>; everything else (action and
/// proprio encoders, decoder, and every non-Linear op) stays in float. <see cref="Overrides"/> then apply in order,
/// later rules winning, to change any group or any layer picked by a name glob.
/// </summary>
/// <param name="Encoder">Weights of encoder Linears (null: float).</param>
/// <param name="Predictor">Weights of predictor Linears (null: float).</param>
/// <param name="Activations">Inputs of encoder and predictor Linears whose weight setting is not null (16-bit weights
/// with activations give activation-only quantization); null: float.</param>
public sealed record ModelQuantizationPlan(WeightQuantConfig? Encoder, WeightQuantConfig? Predictor, ActivationQuantConfig? Activations = null)
{
    /// <summary>Rules applied after the defaults, in order; a later rule replaces earlier settings of the layers it selects.</summary>
    public IReadOnlyList<QuantScopeRule> Overrides { get; init; } = [];

    /// <summary>The study's default: the same weights for every encoder and predictor Linear, and optionally their inputs.</summary>
    public static ModelQuantizationPlan Study(WeightQuantConfig weights, ActivationQuantConfig? activations = null) => new(weights, weights, activations);

    /// <summary>This plan with one more override at the end.</summary>
    public ModelQuantizationPlan With(QuantScopeRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return this with { Overrides = [.. Overrides, rule] };
    }

    /// <summary>The weight settings for one layer, or null to keep it in float (16-bit bypass included).</summary>
    public WeightQuantConfig? WeightsFor(string layerName) => Settings(layerName).Weights;

    /// <summary>The activation settings for one layer's input, or null to keep it in float.</summary>
    public ActivationQuantConfig? ActivationsFor(string layerName) => Settings(layerName).Activations;

    /// <summary>Resolves the plan against a model's quantizable layers.</summary>
    public ResolvedQuantizationScope Resolve(DinoWorldModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Resolve(model.NamedQuantizableLayers().Select(l => new LayerShape(l.Name, l.Layer.InFeatures, l.Layer.OutFeatures)));
    }

    /// <summary>Resolves the plan against layer shapes (e.g. <see cref="ModelLayerShapes.Of"/> a config, before any model is built).</summary>
    public ResolvedQuantizationScope Resolve(IEnumerable<LayerShape> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var resolved = new List<LayerQuantSettings>();
        var used = new bool[Overrides.Count];
        foreach (var layer in layers)
        {
            var (weights, activations) = Settings(layer.Name, used);
            resolved.Add(new LayerQuantSettings(layer.Name, ModuleGroups.Of(layer.Name), layer.InFeatures, layer.OutFeatures, weights, activations));
        }

        return new ResolvedQuantizationScope(resolved, [.. Overrides.Where((_, i) => !used[i])]);
    }

    private (WeightQuantConfig? Weights, ActivationQuantConfig? Activations) Settings(string layerName, bool[]? used = null)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        WeightQuantConfig? weights = ModuleGroups.Of(layerName) switch
        {
            ModuleGroup.Encoder => Encoder,
            ModuleGroup.Predictor => Predictor,
            _ => null,
        };
        ActivationQuantConfig? activations = weights is null ? null : Activations;
        for (int i = 0; i < Overrides.Count; i++)
        {
            if (Overrides[i].Selector.Matches(layerName))
            {
                weights = Overrides[i].Weights;
                activations = Overrides[i].Activations;
                if (used is not null)
                {
                    used[i] = true;
                }
            }
        }

        return (weights is { IsBypass: false } ? weights : null, activations is { IsBypass: false } ? activations : null);
    }
}
