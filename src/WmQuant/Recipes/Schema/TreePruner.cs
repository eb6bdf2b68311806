using WmQuant.Recipes.Yaml;

namespace WmQuant.Recipes.Schema;

/// <summary>
/// Removes the values the schema rejected, so the rest of a recipe can be bound with defaults in their place and the
/// cross-setting rules can still report their problems in the same run. The removed paths are kept, so rules that
/// involve them stay silent instead of judging a default the user never wrote.
/// </summary>
internal static class TreePruner
{
    public static YamlTreeMapping Prune(YamlTreeMapping root, IReadOnlySet<YamlTreeNode> invalid, ICollection<string> removedPaths) =>
        (YamlTreeMapping)PruneNode(root, string.Empty, invalid, removedPaths);

    private static YamlTreeNode PruneNode(YamlTreeNode node, string path, IReadOnlySet<YamlTreeNode> invalid, ICollection<string> removed)
    {
        switch (node)
        {
            case YamlTreeMapping mapping:
                var entries = new List<YamlTreeEntry>();
                foreach (var entry in mapping.Entries)
                {
                    string child = path.Length == 0 ? entry.Key : $"{path}.{entry.Key}";
                    if (invalid.Contains(entry.Value) || (entry.Value is YamlTreeSequence sequence && sequence.Items.Any(invalid.Contains)))
                    {
                        // A list with a bad entry goes whole: dropping one entry would renumber the rest.
                        removed.Add(child);
                        continue;
                    }

                    entries.Add(entry with { Value = PruneNode(entry.Value, child, invalid, removed) });
                }

                return new YamlTreeMapping(entries, mapping.Position);
            case YamlTreeSequence sequence:
                return new YamlTreeSequence(sequence.Items.Select((item, i) => PruneNode(item, $"{path}[{i}]", invalid, removed)).ToList(), sequence.Position);
            default:
                return node;
        }
    }

    /// <summary>True when a removed path is <paramref name="path"/>, lies under it, or contains it.</summary>
    public static bool Touches(IReadOnlyCollection<string> removed, string path) =>
        removed.Any(r => r == path || IsUnder(r, path) || IsUnder(path, r));

    private static bool IsUnder(string inner, string outer) =>
        inner.Length > outer.Length && inner.StartsWith(outer, StringComparison.Ordinal) && inner[outer.Length] is '.' or '[';
}
