using WmQuant.Diagnostics;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Model;

/// <summary>
/// One scoping rule: the layers <see cref="Selector"/> picks get exactly these weight and activation settings.
/// Rules apply in order and a later rule replaces both settings of an earlier one for the layers they share,
/// so a recipe's module overrides (already merged with its recipe-wide settings) map one to one onto rules.
/// </summary>
/// <param name="Selector">Which layers.</param>
/// <param name="Weights">Weight settings; null or 16 bits keeps the weights in float.</param>
/// <param name="Activations">Input-activation settings; null or 16 bits keeps the inputs in float.</param>
/// <param name="Position">Where the rule is written (a recipe's module key), quoted in problems about it; optional.</param>
public sealed record QuantScopeRule(LayerSelector Selector, WeightQuantConfig? Weights, ActivationQuantConfig? Activations, SourcePosition? Position = null)
{
    /// <summary>A rule that keeps the selected layers entirely in float.</summary>
    public static QuantScopeRule Float(LayerSelector selector, SourcePosition? position = null) => new(selector, null, null, position);
}
