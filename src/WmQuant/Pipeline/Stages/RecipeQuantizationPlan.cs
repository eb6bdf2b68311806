using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes;
using RecipeActivationGranularity = WmQuant.Recipes.ActivationGranularity;
using RecipeWeightGranularity = WmQuant.Recipes.WeightGranularity;

namespace WmQuant.Pipeline.Stages;

/// <summary>Translates a recipe's quantization block into the quantizer's typed plan (the library never sees YAML).</summary>
public static class RecipeQuantizationPlan
{
    /// <summary>The plan for a recipe's quantization settings.</summary>
    public static ModelQuantizationPlan From(QuantizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var encoder = spec.Weights;
        var predictor = spec.Weights;
        foreach (var module in spec.Modules.Where(m => !m.IsGlob))
        {
            if (module.Selector == "encoder")
            {
                encoder = module.Weights;
            }
            else if (module.Selector == "predictor")
            {
                predictor = module.Weights;
            }
        }

        return new ModelQuantizationPlan(Weights(encoder), Weights(predictor), Activations(spec.Activations));
    }

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
