using System.Globalization;

namespace WmQuant.Recipes.Schema;

/// <summary>
/// The type of a recipe setting. One tree of these describes the whole recipe and drives validation, binding
/// defaults and the JSON Schema, so the three can never disagree.
/// </summary>
public abstract record SchemaType
{
    /// <summary>What a valid value looks like, in words, for "must be X" messages.</summary>
    public abstract string Expected { get; }
}

/// <summary>An integer in [Min, Max], or one of <see cref="AlsoAllowed"/> (bits: 2-8 or 16).</summary>
/// <param name="Min">Smallest allowed value.</param>
/// <param name="Max">Largest allowed value.</param>
/// <param name="AlsoAllowed">Isolated values allowed outside the range.</param>
public sealed record IntegerType(long Min = long.MinValue, long Max = long.MaxValue, IReadOnlyList<long>? AlsoAllowed = null) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "an integer";

    /// <summary>Whether a value is allowed.</summary>
    public bool Allows(long value) => (value >= Min && value <= Max) || (AlsoAllowed?.Contains(value) ?? false);

    /// <summary>The allowed values in words: "2-8 or 16", "&gt;= 0".</summary>
    public string AllowedText
    {
        get
        {
            string range = (Min, Max) switch
            {
                (long.MinValue, long.MaxValue) => "any integer",
                (long.MinValue, _) => $"<= {Max.ToString(CultureInfo.InvariantCulture)}",
                (_, long.MaxValue) => $">= {Min.ToString(CultureInfo.InvariantCulture)}",
                _ when Min == Max => Min.ToString(CultureInfo.InvariantCulture),
                _ => $"{Min.ToString(CultureInfo.InvariantCulture)}-{Max.ToString(CultureInfo.InvariantCulture)}",
            };
            if (AlsoAllowed is null || AlsoAllowed.Count == 0)
            {
                return range;
            }

            return range + " or " + string.Join(" or ", AlsoAllowed.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        }
    }
}

/// <summary>A real number within bounds that may each be inclusive or exclusive.</summary>
/// <param name="Min">Lower bound, or null for none.</param>
/// <param name="Max">Upper bound, or null for none.</param>
/// <param name="MinExclusive">True when the lower bound itself is not allowed.</param>
/// <param name="MaxExclusive">True when the upper bound itself is not allowed.</param>
public sealed record NumberType(double? Min = null, double? Max = null, bool MinExclusive = false, bool MaxExclusive = false) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "a number";

    /// <summary>Whether a value is allowed.</summary>
    public bool Allows(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return false;
        }

        bool aboveMin = Min is null || (MinExclusive ? value > Min : value >= Min);
        bool belowMax = Max is null || (MaxExclusive ? value < Max : value <= Max);
        return aboveMin && belowMax;
    }

    /// <summary>The allowed values in words: "0-1", "&gt; 0", "&gt; 0 and &lt; 1".</summary>
    public string AllowedText
    {
        get
        {
            static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
            if (Min is { } min && Max is { } max && !MinExclusive && !MaxExclusive)
            {
                return $"{F(min)}-{F(max)}";
            }

            var parts = new List<string>();
            if (Min is { } lower)
            {
                parts.Add((MinExclusive ? "> " : ">= ") + F(lower));
            }

            if (Max is { } upper)
            {
                parts.Add((MaxExclusive ? "< " : "<= ") + F(upper));
            }

            return parts.Count == 0 ? "any number" : string.Join(" and ", parts);
        }
    }
}

/// <summary>true or false.</summary>
public sealed record BooleanType : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "true or false";
}

/// <summary>One of a fixed set of words (method, granularity, environment...).</summary>
/// <param name="Values">The allowed words, in the order messages list them.</param>
public sealed record ChoiceType(IReadOnlyList<string> Values) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "one of " + string.Join(", ", Values);
}

/// <summary>The forms a free-text setting may be required to take.</summary>
public enum TextFormat
{
    /// <summary>Any text.</summary>
    Any,

    /// <summary>A name usable in file and package names: letters, digits, '.', '_', '-', starting with a letter or digit.</summary>
    Name,

    /// <summary>A Semantic Versioning 2.0 version.</summary>
    SemVer,

    /// <summary>auto, cpu, cuda or cuda:N.</summary>
    Device,

    /// <summary>A path relative to the recipe file, inside the repository.</summary>
    Path,

    /// <summary>A path to a folder (a quantized artifact), relative to the recipe file, inside the repository.</summary>
    Folder,

    /// <summary>'fp' (the full-precision model evaluated in the same run) or a path to a previous release's manifest.</summary>
    Baseline,
}

/// <summary>A string, optionally of a particular <see cref="TextFormat"/>.</summary>
/// <param name="Format">The required form.</param>
/// <param name="What">For paths: what the file is, in messages ("checkpoint 'x' not found").</param>
public sealed record TextType(TextFormat Format = TextFormat.Any, string? What = null) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "a string";
}

/// <summary>A mapping with a fixed set of keys.</summary>
/// <param name="Fields">The keys it may hold.</param>
public sealed record MapType(IReadOnlyList<FieldDescriptor> Fields) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "a mapping";

    /// <summary>The field with a name, or null.</summary>
    public FieldDescriptor? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);
}

/// <summary>A mapping whose keys are chosen by the user (module groups or layer-name globs), all with the same value type.</summary>
/// <param name="Values">The type of every value.</param>
/// <param name="NamedKeys">Keys with a fixed meaning (module group names).</param>
/// <param name="KeyDescription">What else a key may be, in words.</param>
public sealed record DictionaryType(SchemaType Values, IReadOnlyList<string> NamedKeys, string KeyDescription) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "a mapping";
}

/// <summary>A list of values of one type.</summary>
/// <param name="Items">The type of every entry.</param>
/// <param name="MinItems">Fewest entries allowed.</param>
/// <param name="UniqueItems">True when an entry may not repeat (compared as scalars).</param>
public sealed record ListType(SchemaType Items, int MinItems = 0, bool UniqueItems = false) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "a list";
}

/// <summary>The word <c>none</c> (the feature is off) or a value of <see cref="Inner"/>.</summary>
/// <param name="Inner">The type of the "on" form.</param>
public sealed record NoneOrType(SchemaType Inner) : SchemaType
{
    /// <inheritdoc />
    public override string Expected => "'none' or " + Inner.Expected;
}

/// <summary>The <c>matrix:</c> section: dotted setting paths mapped to lists of values, plus an optional <c>exclude</c> list.</summary>
public sealed record MatrixType : SchemaType
{
    /// <summary>The reserved key that lists combinations to leave out.</summary>
    public const string ExcludeKey = "exclude";

    /// <inheritdoc />
    public override string Expected => "a mapping of setting paths to lists of values";
}

/// <summary>One named setting: its type, whether it must be present, its default and what it is for.</summary>
/// <param name="Name">The YAML key.</param>
/// <param name="Type">The value type.</param>
/// <param name="Description">Why the setting exists and what the default means; shown in editors through the JSON Schema.</param>
/// <param name="Default">The value used when the key is absent (long, double, bool, string or string[]); null when there is none or it depends on other settings.</param>
/// <param name="Required">True when the key must be present (after <c>extends:</c> merging).</param>
public sealed record FieldDescriptor(string Name, SchemaType Type, string Description, object? Default = null, bool Required = false);
