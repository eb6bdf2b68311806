using WmQuant.Diagnostics;
using WmQuant.Recipes.Yaml;

namespace WmQuant.Recipes.Binding;

/// <summary>Where each setting of a recipe tree was written, by dotted path (gates[0].min), for checks that run after binding.</summary>
internal sealed class SourceMap
{
    private readonly Dictionary<string, SourcePosition> positions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> scalars = new(StringComparer.Ordinal);

    public SourceMap(YamlTreeMapping root)
    {
        Root = root.Position;
        Walk(root, string.Empty);
    }

    public SourcePosition Root { get; }

    public bool Has(string path) => positions.ContainsKey(path);

    /// <summary>The text of a scalar setting as written (a path as the author wrote it), or null.</summary>
    public string? Value(string path) => scalars.TryGetValue(path, out string? value) ? value : null;

    /// <summary>The position of a setting, else of its nearest written ancestor.</summary>
    public SourcePosition Of(string path)
    {
        for (string current = path; current.Length > 0; current = Parent(current))
        {
            if (positions.TryGetValue(current, out var position))
            {
                return position;
            }
        }

        return Root;
    }

    private void Walk(YamlTreeNode node, string path)
    {
        if (path.Length > 0)
        {
            positions[path] = node.Position;
        }

        switch (node)
        {
            case YamlTreeMapping mapping:
                foreach (var entry in mapping.Entries)
                {
                    Walk(entry.Value, path.Length == 0 ? entry.Key : $"{path}.{entry.Key}");
                }

                break;
            case YamlTreeScalar scalar:
                scalars[path] = scalar.Value;
                break;
            case YamlTreeSequence sequence:
                for (int i = 0; i < sequence.Items.Count; i++)
                {
                    Walk(sequence.Items[i], $"{path}[{i}]");
                }

                break;
        }
    }

    private static string Parent(string path)
    {
        int cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? string.Empty : path[..cut];
    }
}
