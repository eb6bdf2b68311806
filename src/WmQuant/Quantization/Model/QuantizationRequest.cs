using System.Globalization;
using WmQuant.Naming;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Model;

/// <summary>
/// Everything a recipe's <c>quantization:</c> section asks for, in the quantizer's own types: the method with its
/// options, the recipe-wide weight and activation settings (on every encoder and predictor Linear, the study's
/// scope) and the overrides, in order. Recipes bind straight into this; nothing translates it further.
/// </summary>
/// <param name="Method">The registered method.</param>
/// <param name="Options">Its options record (type <see cref="IQuantizationMethodDefinition.OptionsType"/>).</param>
/// <param name="Weights">Recipe-wide weight settings (16 bits: float).</param>
/// <param name="Activations">Recipe-wide input-activation settings, or null for weight-only.</param>
/// <param name="Overrides">Module rules in recipe order, each already merged with the recipe-wide settings.</param>
/// <param name="Scheme">The preset the settings started from, or null.</param>
public sealed record QuantizationRequest(
    IQuantizationMethodDefinition Method,
    object Options,
    WeightQuantConfig Weights,
    ActivationQuantConfig? Activations,
    IReadOnlyList<QuantScopeRule> Overrides,
    string? Scheme = null)
{
    /// <summary>The scoping plan: recipe-wide settings on encoder and predictor Linears, then the overrides.</summary>
    public ModelQuantizationPlan Plan => new(Weights, Weights, Activations) { Overrides = Overrides };

    /// <summary>True when calibration data is needed: the method always needs it, or some input gets a static range.</summary>
    public bool NeedsCalibration =>
        Method.RequiresCalibration || IsStatic(Activations) || Overrides.Any(o => IsStatic(o.Activations));

    /// <summary>The model transform for this request.</summary>
    public IModelQuantizationMethod CreateMethod() => Method.Create(Options);

    /// <summary>
    /// The settings in words ("rtn W4 g128 A16; encoder: W8 per-channel"), for logs, manifests and evaluation
    /// records (it keys cached evaluations, so its form is stable).
    /// </summary>
    public string Describe()
    {
        string overrides = string.Concat(Overrides.Select(o => $"; {o.Selector}: {Describe(o.Weights)}"));
        return $"{Method.Name} {Describe(Weights)} {Describe(Activations)}{overrides}";
    }

    /// <summary>"W4 g128", "W8 per-channel asym", "W16".</summary>
    public static string Describe(WeightQuantConfig? weights) => weights is null || weights.IsBypass
        ? "W16"
        : string.Create(CultureInfo.InvariantCulture, $"W{weights.Bits} {Granularity(weights)}{(weights.Symmetric ? "" : " asym")}");

    /// <summary>"A8 per-token", "A16".</summary>
    public static string Describe(ActivationQuantConfig? activations) => activations is null || activations.IsBypass
        ? "A16"
        : string.Create(CultureInfo.InvariantCulture, $"A{activations.Bits} {Names.Of(activations.Granularity)}");

    private static string Granularity(WeightQuantConfig weights) => weights.Granularity switch
    {
        WeightGranularity.PerGroup => string.Create(CultureInfo.InvariantCulture, $"g{weights.GroupSize}"),
        WeightGranularity.PerChannel => "per-channel",
        _ => "per-tensor",
    };

    private static bool IsStatic(ActivationQuantConfig? activations) =>
        activations is { IsBypass: false, Granularity: ActivationGranularity.PerTensorStatic };
}
