using System.Reflection;
using System.Text.Json;

namespace WmQuant.Quantization.Methods.Registry;

/// <summary>The kinds of value a method option can hold.</summary>
public enum MethodOptionKind
{
    /// <summary>A whole number (an int property).</summary>
    Integer,

    /// <summary>A real number (a double property).</summary>
    Number,

    /// <summary>true or false (a bool property).</summary>
    Boolean,
}

/// <summary>One option of a method, read from its options record: the recipe key, kind, default, bounds and purpose.</summary>
/// <param name="Name">The recipe key (snake_case of the property name).</param>
/// <param name="Kind">Integer, number or boolean.</param>
/// <param name="Default">The default (int, double or bool): the property's value in a new options record.</param>
/// <param name="Min">Smallest allowed value, or null.</param>
/// <param name="Max">Largest allowed value, or null.</param>
/// <param name="MinExclusive">True when <paramref name="Min"/> itself is not allowed.</param>
/// <param name="MaxExclusive">True when <paramref name="Max"/> itself is not allowed.</param>
/// <param name="Description">What it does.</param>
/// <param name="Property">The property it sets.</param>
public sealed record MethodOptionDescriptor(
    string Name,
    MethodOptionKind Kind,
    object Default,
    double? Min,
    double? Max,
    bool MinExclusive,
    bool MaxExclusive,
    string Description,
    PropertyInfo Property)
{
    /// <summary>The options of an options record type, in declaration order.</summary>
    /// <exception cref="InvalidOperationException">A public property is not marked, or has a type options cannot have (a bug in the method).</exception>
    public static IReadOnlyList<MethodOptionDescriptor> Of(Type optionsType, object defaults)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        var options = new List<MethodOptionDescriptor>();
        foreach (var property in optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.MetadataToken))
        {
            if (property.Name == "EqualityContract")
            {
                continue;
            }

            var attribute = property.GetCustomAttribute<MethodOptionAttribute>()
                ?? throw new InvalidOperationException($"{optionsType.Name}.{property.Name} is not marked [MethodOption]");
            var kind = property.PropertyType == typeof(int) ? MethodOptionKind.Integer
                : property.PropertyType == typeof(double) ? MethodOptionKind.Number
                : property.PropertyType == typeof(bool) ? MethodOptionKind.Boolean
                : throw new InvalidOperationException($"{optionsType.Name}.{property.Name}: options are int, double or bool, not {property.PropertyType.Name}");
            options.Add(new MethodOptionDescriptor(
                JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name),
                kind,
                property.GetValue(defaults)!,
                double.IsNaN(attribute.Min) ? null : attribute.Min,
                double.IsNaN(attribute.Max) ? null : attribute.Max,
                attribute.MinExclusive,
                attribute.MaxExclusive,
                attribute.Description,
                property));
        }

        return options;
    }

    /// <summary>Whether a value (already of this option's kind) lies within its bounds.</summary>
    public bool Allows(double value) =>
        !double.IsNaN(value) && !double.IsInfinity(value)
        && (Min is not { } min || (MinExclusive ? value > min : value >= min))
        && (Max is not { } max || (MaxExclusive ? value < max : value <= max));
}
