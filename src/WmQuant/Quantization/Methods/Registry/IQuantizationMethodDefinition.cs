namespace WmQuant.Quantization.Methods.Registry;

/// <summary>
/// A registered quantization method: its name, what it needs, its options and how to build it. Recipes, the JSON
/// Schema, <c>wmq eval</c> and manifests all read methods through this, so adding a method is one file (its options
/// record, transform and definition) plus one line in <see cref="QuantizationMethodRegistry.Builtin"/>.
/// </summary>
public interface IQuantizationMethodDefinition
{
    /// <summary>The name recipes write (<c>quantization.method</c>) and manifests record.</summary>
    string Name { get; }

    /// <summary>What the method does, in one sentence (help texts, the JSON Schema).</summary>
    string Description { get; }

    /// <summary>True when the method never quantizes activations (a recipe asking it to is refused at validation).</summary>
    bool WeightOnly { get; }

    /// <summary>True when the method always needs calibration data (not only for static activation ranges).</summary>
    bool RequiresCalibration { get; }

    /// <summary>The options record type.</summary>
    Type OptionsType { get; }

    /// <summary>Its options, in declaration order.</summary>
    IReadOnlyList<MethodOptionDescriptor> Options { get; }

    /// <summary>A new options record with every default.</summary>
    object DefaultOptions();

    /// <summary>An options record with the given values (by recipe key) over the defaults; values have the option's kind (long for integers is accepted).</summary>
    /// <exception cref="ArgumentException">An unknown key or a value outside its bounds (validate first: a bug).</exception>
    object BindOptions(IReadOnlyDictionary<string, object> values);

    /// <summary>The option values of an options record, by recipe key, in declaration order (manifests, resolved recipes, cache keys).</summary>
    IReadOnlyList<KeyValuePair<string, object>> Describe(object options);

    /// <summary>The transform for these options.</summary>
    IModelQuantizationMethod Create(object options);
}
