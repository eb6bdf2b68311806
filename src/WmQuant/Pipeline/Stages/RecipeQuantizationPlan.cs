using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes;
using RecipeActivationGranularity = WmQuant.Recipes.ActivationGranularity;
using RecipeWeightGranularity = WmQuant.Recipes.WeightGranularity;

namespace WmQuant.Pipeline.Stages;

/// <summary>Translates a recipe's quantization block into the quantizer's typed plan (the library never sees YAML).</summary>
public static class RecipeQuantizationPlan
{
    /// <summary>
    /// The plan for a recipe's quantization settings: the recipe-wide settings on every encoder and predictor Linear
    /// (the study's scope), then each module override as a rule, in recipe order (later rules win).
    /// </summary>
    public static ModelQuantizationPlan From(QuantizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var weights = spec.Weights.IsBypass ? null : Weights(spec.Weights);
        return new ModelQuantizationPlan(weights, weights, Activations(spec.Activations))
        {
            Overrides = [.. spec.Modules.Select(m => new QuantScopeRule(
                LayerSelector.Parse(m.Selector),
                m.Weights.IsBypass ? null : Weights(m.Weights),
                Activations(m.Activations),
                m.Position.Format()))],
        };
    }

    /// <summary>True when the plan needs calibrated (static) activation ranges.</summary>
    public static bool NeedsCalibration(QuantizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return IsStatic(spec.Activations) || spec.Modules.Any(m => IsStatic(m.Activations));
    }

    /// <summary>The method kind a recipe names.</summary>
    public static QuantizationMethodKind MethodOf(QuantizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Method switch
        {
            QuantizationMethod.Rtn => QuantizationMethodKind.Rtn,
            QuantizationMethod.Omse => QuantizationMethodKind.Omse,
            QuantizationMethod.Awq => QuantizationMethodKind.Awq,
            QuantizationMethod.SmoothQuant => QuantizationMethodKind.SmoothQuant,
            QuantizationMethod.OmniQuant => QuantizationMethodKind.OmniQuant,
            _ => QuantizationMethodKind.Gptq,
        };
    }

    private static bool IsStatic(ActivationSpec? spec) => spec is { Bits: < 16, Granularity: RecipeActivationGranularity.PerTensor };

    /// <summary>The quantizer's weight settings for a recipe's.</summary>
    public static WeightQuantConfig Weights(WeightSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new WeightQuantConfig(
            spec.Bits,
            spec.Granularity == RecipeWeightGranularity.Group ? Quantization.Primitives.WeightGranularity.PerGroup : Quantization.Primitives.WeightGranularity.PerChannel,
            spec.GroupSize,
            spec.Symmetric);
    }

    /// <summary>The quantizer's activation settings for a recipe's (null: float).</summary>
    public static ActivationQuantConfig? Activations(ActivationSpec? spec) => spec is null || spec.Bits == 16
        ? null
        : new ActivationQuantConfig(
            spec.Bits,
            spec.Granularity == RecipeActivationGranularity.PerToken ? Quantization.Primitives.ActivationGranularity.PerTokenDynamic : Quantization.Primitives.ActivationGranularity.PerTensorStatic);

    /// <summary>The settings in words, for logs, manifests and reports.</summary>
    public static string Describe(QuantizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string weights = Describe(spec.Weights);
        string activations = spec.Activations is { Bits: < 16 } a ? $"A{a.Bits} {(a.Granularity == RecipeActivationGranularity.PerToken ? "per-token" : "per-tensor")}" : "A16";
        string overrides = string.Concat(spec.Modules.Select(m => $"; {m.Selector}: {Describe(m.Weights)}"));
        return $"{spec.Method.ToString().ToLowerInvariant()} {weights} {activations}{overrides}";
    }

    private static string Describe(WeightSpec w) => w.IsBypass
        ? "W16"
        : $"W{w.Bits} {(w.Granularity == RecipeWeightGranularity.Group ? $"g{w.GroupSize}" : "per-channel")}{(w.Symmetric ? "" : " asym")}";
}
