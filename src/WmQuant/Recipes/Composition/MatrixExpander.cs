using System.Globalization;
using System.Numerics;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Recipes.Schema;
using WmQuant.Recipes.Yaml;

namespace WmQuant.Recipes.Composition;

/// <summary>One recipe tree produced by the matrix (or the recipe itself when there is no matrix).</summary>
/// <param name="Tree">The settings with this combination's values substituted and the matrix section removed.</param>
/// <param name="Assignments">The matrix values of this combination, in matrix order.</param>
internal sealed record MatrixCombination(YamlTreeMapping Tree, IReadOnlyList<MatrixAssignment> Assignments)
{
    /// <summary>"-8-group": what is appended to the recipe and artifact names.</summary>
    public string NameSuffix => string.Concat(Assignments.Select(a => "-" + MatrixExpander.NameSafe(a.Value)));
}

/// <summary>
/// Checks a <c>matrix:</c> section (keys are known setting paths, values valid for them, exclude entries refer to
/// matrix keys and values) and expands it into the cartesian product of recipes.
/// </summary>
internal sealed class MatrixExpander(RecipeSchema schema, ICollection<Diagnostic> problems, int maxCombinations)
{
    /// <summary>
    /// Most nodes validation may walk over all combinations (combinations x nodes of the recipe without its matrix):
    /// 1,024 combinations of a 390-node recipe, 100 of a 4,000-node one. Measured at about 2 microseconds and 40 bytes
    /// per node, so a hostile matrix over a large recipe is refused in well under a second instead of taking minutes.
    /// </summary>
    public const long MaxNodesToCheck = 400_000;

    private sealed record Axis(string Path, IReadOnlyList<string> Segments, SourcePosition KeyPosition, IReadOnlyList<YamlTreeNode> Values);

    public IReadOnlyList<MatrixCombination> Expand(YamlTreeMapping root)
    {
        var matrixEntry = root.Find(RecipeSchema.Matrix.Name);
        var tree = root.Without(RecipeSchema.Matrix.Name);
        if (matrixEntry is null)
        {
            return [new MatrixCombination(tree, [])];
        }

        int before = problems.Count(p => p.Severity == Severity.Error);
        var (axes, excludes) = ReadMatrix(matrixEntry.Value);
        if (problems.Count(p => p.Severity == Severity.Error) > before || axes.Count == 0)
        {
            return [new MatrixCombination(tree, [])];
        }

        // Counted exactly (4 axes of 65,536 values are 2^64 combinations, which a long wraps to 0).
        var total = axes.Aggregate(BigInteger.One, (n, a) => n * a.Values.Count);
        if (total > maxCombinations)
        {
            string factors = string.Join(" × ", axes.Select(a => a.Values.Count.ToString("N0", CultureInfo.InvariantCulture)));
            Report(matrixEntry.Value.Position, DiagnosticCodes.MatrixSize, string.Create(CultureInfo.InvariantCulture,
                $"the matrix expands to {total:N0} combinations ({factors}); at most {maxCombinations:N0} are allowed"));
            return [new MatrixCombination(tree, [])];
        }

        // Every combination is validated, bound and checked on its own: the work grows with combinations x recipe size.
        if (total * tree.Size > MaxNodesToCheck)
        {
            Report(matrixEntry.Value.Position, DiagnosticCodes.MatrixSize, string.Create(CultureInfo.InvariantCulture,
                $"the matrix expands to {total:N0} combinations of a recipe of {tree.Size:N0} nodes, {total * tree.Size:N0} nodes to check; at most {MaxNodesToCheck:N0}: make the matrix or the recipe smaller"));
            return [new MatrixCombination(tree, [])];
        }

        var combinations = new List<MatrixCombination>();
        foreach (var choice in Product(axes))
        {
            if (excludes.Any(exclude => exclude.All(pair => Text(choice[axes.FindIndex(a => a.Path == pair.Key)]) == pair.Value)))
            {
                continue;
            }

            var combined = tree;
            var assignments = new List<MatrixAssignment>();
            for (int i = 0; i < axes.Count; i++)
            {
                combined = SetAt(combined, axes[i].Segments, 0, choice[i], axes[i].KeyPosition);
                assignments.Add(new MatrixAssignment(axes[i].Path, Text(choice[i])));
            }

            combinations.Add(new MatrixCombination(combined, assignments));
        }

        if (combinations.Count == 0)
        {
            Report(matrixEntry.Value.Position, DiagnosticCodes.MatrixSize, "exclude removes every combination of the matrix; nothing would run");
            return [new MatrixCombination(tree, [])];
        }

        return combinations;
    }

    private (List<Axis> Axes, List<Dictionary<string, string>> Excludes) ReadMatrix(YamlTreeNode node)
    {
        var axes = new List<Axis>();
        var excludes = new List<Dictionary<string, string>>();
        if (node is not YamlTreeMapping mapping)
        {
            Report(node.Position, DiagnosticCodes.WrongType, $"matrix must be a mapping of setting paths to lists of values, got {ScalarParsing.Describe(node)}");
            return (axes, excludes);
        }

        foreach (var entry in mapping.Entries.Where(e => e.Key != MatrixType.ExcludeKey))
        {
            var lookup = schema.Resolve(entry.Key);
            if (lookup.Type is null || lookup.Segments is null)
            {
                string allowed = lookup.Allowed.Count == 0 ? "(nothing: the path goes past a setting)" : string.Join(", ", lookup.Allowed);
                problems.Add(Diagnostic.At(entry.KeyPosition, Severity.Error, DiagnosticCodes.UnknownMatrixKey,
                    SchemaValidator.WithAllowed($"matrix key '{BoundedText.Shorten(entry.Key)}' names no setting: '{BoundedText.Shorten(lookup.UnknownSegment ?? "")}' is unknown", lookup.UnknownSegment ?? string.Empty, lookup.Allowed, allowed)));
                continue;
            }

            if (entry.Value is not YamlTreeSequence { Items.Count: > 0 } values)
            {
                Report(entry.Value.Position, entry.Value is YamlTreeSequence ? DiagnosticCodes.BadList : DiagnosticCodes.WrongType,
                    $"matrix '{BoundedText.Shorten(entry.Key)}' must be a non-empty list of values, got {(entry.Value is YamlTreeSequence ? "an empty list" : ScalarParsing.Describe(entry.Value))}");
                continue;
            }

            var validator = new SchemaValidator(problems);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var value in values.Items)
            {
                validator.Validate(value, lookup.Type, entry.Key);
                if (!seen.Add(Text(value)))
                {
                    Report(value.Position, DiagnosticCodes.BadList, $"matrix '{BoundedText.Shorten(entry.Key)}' lists '{BoundedText.Shorten(Text(value))}' more than once");
                }
            }

            axes.Add(new Axis(entry.Key, lookup.Segments, entry.KeyPosition, values.Items));
        }

        if (mapping.Get(MatrixType.ExcludeKey) is { } excludeNode)
        {
            ReadExcludes(excludeNode, axes, excludes);
        }

        return (axes, excludes);
    }

    private void ReadExcludes(YamlTreeNode node, List<Axis> axes, List<Dictionary<string, string>> excludes)
    {
        if (node is not YamlTreeSequence sequence)
        {
            Report(node.Position, DiagnosticCodes.WrongType, $"matrix exclude must be a list of mappings, got {ScalarParsing.Describe(node)}");
            return;
        }

        foreach (var item in sequence.Items)
        {
            if (item is not YamlTreeMapping { Entries.Count: > 0 } entryMap)
            {
                Report(item.Position, DiagnosticCodes.WrongType, $"a matrix exclude entry must be a non-empty mapping of matrix keys to values, got {ScalarParsing.Describe(item)}");
                continue;
            }

            var exclude = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in entryMap.Entries)
            {
                var axis = axes.FirstOrDefault(a => a.Path == pair.Key);
                var keys = axes.Select(a => a.Path).ToList();
                if (axis is null)
                {
                    problems.Add(Diagnostic.At(pair.KeyPosition, Severity.Error, DiagnosticCodes.BadMatrixExclude,
                        SchemaValidator.WithAllowed($"matrix exclude names '{BoundedText.Shorten(pair.Key)}', which is not a matrix key", pair.Key, keys, string.Join(", ", keys))));
                    continue;
                }

                var values = axis.Values.Select(Text).ToList();
                if (!values.Contains(Text(pair.Value)))
                {
                    Report(pair.Value.Position, DiagnosticCodes.BadMatrixExclude,
                        $"matrix exclude value '{BoundedText.Shorten(Text(pair.Value))}' is not among the values of '{BoundedText.Shorten(pair.Key)}': {BoundedText.Shorten(string.Join(", ", values), 200)}");
                    continue;
                }

                exclude[pair.Key] = Text(pair.Value);
            }

            excludes.Add(exclude);
        }
    }

    private static IEnumerable<YamlTreeNode[]> Product(List<Axis> axes)
    {
        var index = new int[axes.Count];
        while (true)
        {
            yield return axes.Select((a, i) => a.Values[index[i]]).ToArray();
            int k = axes.Count - 1;
            while (k >= 0 && ++index[k] == axes[k].Values.Count)
            {
                index[k] = 0;
                k--;
            }

            if (k < 0)
            {
                yield break;
            }
        }
    }

    /// <summary>Replaces (or creates) the value at a key path; a scalar in the way (activations: none) becomes a mapping.</summary>
    private static YamlTreeMapping SetAt(YamlTreeMapping mapping, IReadOnlyList<string> segments, int index, YamlTreeNode value, SourcePosition position)
    {
        string key = segments[index];
        if (index == segments.Count - 1)
        {
            return mapping.With(key, value, position);
        }

        var child = mapping.Get(key) as YamlTreeMapping ?? new YamlTreeMapping([], position);
        return mapping.With(key, SetAt(child, segments, index + 1, value, position), position);
    }

    /// <summary>A matrix value as text: a scalar's value, or a mapping's or list's scalars joined with '-'.</summary>
    internal static string Text(YamlTreeNode node) => node switch
    {
        YamlTreeScalar scalar => scalar.Value,
        YamlTreeMapping mapping => string.Join("-", mapping.Entries.Select(e => Text(e.Value))),
        YamlTreeSequence sequence => string.Join("-", sequence.Items.Select(Text)),
        _ => string.Empty,
    };

    internal static string NameSafe(string value) =>
        new(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());

    private void Report(SourcePosition position, string code, string message) =>
        problems.Add(Diagnostic.At(position, Severity.Error, code, message));
}
