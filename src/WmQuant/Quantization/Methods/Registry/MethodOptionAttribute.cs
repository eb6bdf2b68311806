namespace WmQuant.Quantization.Methods.Registry;

/// <summary>
/// Marks a property of a method's options record as a recipe option: its snake_case name is the recipe key under
/// <c>quantization.method_options.&lt;method&gt;</c>, its initial value the default, and this attribute says what it
/// is for and which values are allowed. The registry reads these, so a method's fields are its recipe options.
/// </summary>
/// <param name="description">What the option does and what its default means.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MethodOptionAttribute(string description) : Attribute
{
    /// <summary>What the option does and what its default means.</summary>
    public string Description { get; } = description;

    /// <summary>Smallest allowed value (numbers); NaN for none.</summary>
    public double Min { get; init; } = double.NaN;

    /// <summary>Largest allowed value (numbers); NaN for none.</summary>
    public double Max { get; init; } = double.NaN;

    /// <summary>True when <see cref="Min"/> itself is not allowed.</summary>
    public bool MinExclusive { get; init; }

    /// <summary>True when <see cref="Max"/> itself is not allowed.</summary>
    public bool MaxExclusive { get; init; }
}
