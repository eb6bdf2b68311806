using WmQuant.Models;

namespace WmQuant.Quantization.Model;

/// <summary>
/// Picks layers of a world model by module group ("encoder") or by a glob on layer names
/// ("predictor.transformer.layers.0.*", "*.mlp.fc2"). Recipes write both kinds in one place, so one type parses both.
/// </summary>
/// <remarks>
/// Glob syntax: <c>*</c> matches any run of characters (dots included), <c>?</c> exactly one character, anything
/// else itself (case-sensitive). A glob selects a layer when it matches the layer's full name or one of its dotted
/// prefixes, so a module path such as "encoder.blocks.0" or "*.mlp" selects every layer inside that module.
/// </remarks>
public sealed record LayerSelector
{
    private LayerSelector(ModuleGroup? group, string? pattern)
    {
        ModuleGroup = group;
        Pattern = pattern;
    }

    /// <summary>The group this selector names, or null for a glob.</summary>
    public ModuleGroup? ModuleGroup { get; }

    /// <summary>The glob, or null for a group.</summary>
    public string? Pattern { get; }

    /// <summary>Every layer of one module group.</summary>
    public static LayerSelector Group(ModuleGroup group) => new(group, null);

    /// <summary>Layers whose name (or a dotted prefix of it) matches <paramref name="pattern"/>.</summary>
    /// <exception cref="ArgumentException">Empty pattern.</exception>
    public static LayerSelector Glob(string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        return new(null, pattern);
    }

    /// <summary>A group name (encoder, predictor, action_encoder, proprio_encoder, decoder) or else a glob.</summary>
    public static LayerSelector Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        foreach (var group in Enum.GetValues<ModuleGroup>())
        {
            if (ModuleGroups.Prefix(group) == text)
            {
                return Group(group);
            }
        }

        return Glob(text);
    }

    /// <summary>Whether the layer named <paramref name="layerName"/> is selected.</summary>
    public bool Matches(string layerName)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        if (ModuleGroup is { } group)
        {
            return ModuleGroups.Of(layerName) == group;
        }

        if (GlobMatch(Pattern!, layerName))
        {
            return true;
        }

        for (int dot = layerName.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = layerName.IndexOf('.', dot + 1))
        {
            if (GlobMatch(Pattern!, layerName[..dot]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The selector as a recipe writes it.</summary>
    public override string ToString() => ModuleGroup is { } group ? ModuleGroups.Prefix(group) : Pattern!;

    /// <summary>Whole-string glob match with backtracking over the last '*' (linear in practice for layer names).</summary>
    internal static bool GlobMatch(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]) && pattern[p] != '*')
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
