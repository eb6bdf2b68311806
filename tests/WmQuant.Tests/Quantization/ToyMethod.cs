using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Model;

namespace WmQuant.Tests.Quantization;

/// <summary>The toy method's options: its fields are its recipe options (method_options.toy.*).</summary>
public sealed record ToyOptions
{
    /// <summary>A number the toy records, to show options travel from recipe to manifest.</summary>
    [MethodOption("A number the toy only records.", Min = 1, Max = 9)]
    public int Level { get; init; } = 3;

    /// <summary>Refuse every request (to test the refusal path).</summary>
    [MethodOption("Refuse every request with an error value.")]
    public bool Refuse { get; init; }
}

/// <summary>
/// A method defined entirely in the test assembly: RTN's arithmetic under another name, or a refusal. Registering it
/// (<see cref="QuantizationMethodRegistry.With"/>) is all it takes for recipes, the schema, wmq and manifests to know it.
/// </summary>
public sealed class ToyMethod(ToyOptions options) : IModelQuantizationMethod
{
    /// <summary>The definition a registry takes.</summary>
    public static QuantizationMethodDefinition<ToyOptions> Definition { get; } =
        new("toy", "A test-only method: round to nearest under another name.", o => new ToyMethod(o));

    /// <summary>The built-in registry plus the toy.</summary>
    public static QuantizationMethodRegistry Registry { get; } = QuantizationMethodRegistry.Builtin.With(Definition);

    /// <inheritdoc/>
    public string Name => "toy";

    /// <inheritdoc/>
    public QuantizationOutcome Apply(DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan) => options.Refuse
        ? new QuantizationOutcome(null, new QuantizationError(QuantizationError.InvalidRequest, "the toy refuses, as asked"))
        : new ModelQuantizationMethod("toy", new RtnWeightMethod(), new MinMaxActivationRange()).Apply(model, calibration, plan);
}
