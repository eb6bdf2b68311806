using System.Globalization;
using WmQuant.Recipes.Yaml;

namespace WmQuant.Recipes.Schema;

/// <summary>YAML core-schema reading of plain scalars: only unquoted text can be a number or a boolean.</summary>
internal static class ScalarParsing
{
    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");

    public static bool TryInteger(YamlTreeScalar scalar, out long value)
    {
        value = 0;
        return scalar.IsPlain
            && long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>True for unquoted digits with an optional sign: an integer, even one too large for any setting.</summary>
    public static bool IsIntegerText(YamlTreeScalar scalar)
    {
        ReadOnlySpan<char> text = scalar.Value;
        if (!scalar.IsPlain || text.Length == 0)
        {
            return false;
        }

        if (text[0] is '+' or '-')
        {
            text = text[1..];
        }

        return text.Length > 0 && !text.ContainsAnyExcept(Digits);
    }

    public static bool TryNumber(YamlTreeScalar scalar, out double value)
    {
        value = 0;
        return scalar.IsPlain
            && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }

    public static bool TryBoolean(YamlTreeScalar scalar, out bool value)
    {
        value = false;
        if (!scalar.IsPlain)
        {
            return false;
        }

        switch (scalar.Value)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                return true;
            default:
                return false;
        }
    }

    /// <summary>How a node reads in "got X" messages: quoted strings are called out, since they are the usual surprise.</summary>
    public static string Describe(YamlTreeNode node) => node switch
    {
        YamlTreeScalar { IsNull: true } => "null",
        YamlTreeScalar { IsPlain: false } s => $"the quoted string '{s.Value}'",
        _ => node.KindDescription,
    };
}
