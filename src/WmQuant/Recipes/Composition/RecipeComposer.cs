using WmQuant.Contract;
using System.Globalization;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Recipes.Schema;
using WmQuant.Recipes.Yaml;

namespace WmQuant.Recipes.Composition;

/// <summary>The merged settings of a recipe and its bases; <see cref="Complete"/> is false when a base could not be read, so missing keys are not blamed on the child.</summary>
/// <param name="Root">The merged mapping, or null when the recipe itself could not be read.</param>
/// <param name="Complete">True when every base was read.</param>
internal sealed record Composition(YamlTreeMapping? Root, bool Complete);

/// <summary>
/// Follows <c>extends:</c> chains: each base is read from its own file (so its problems point into it), mappings are
/// deep-merged with the extending file winning, lists and scalars are replaced, and cycles are reported. Every file
/// is read within <see cref="InputLimits.Recipe"/> and must resolve (links followed) inside the repository; chains
/// are at most <see cref="MaxExtendsDepth"/> deep and the merged recipe at most as large as one file may be.
/// </summary>
internal sealed class RecipeComposer(RepositoryBoundary boundary, ICollection<Diagnostic> problems)
{
    /// <summary>Bases a recipe may stack (a recipe, its base, that base's base...): real recipes use two or three.</summary>
    public const int MaxExtendsDepth = 10;

    private readonly RecipePathResolver paths = new(boundary, problems);
    private readonly List<string> files = [];
    private bool complete = true;

    /// <summary>Every recipe file read, the extending file first: the inputs an incremental build must watch.</summary>
    public IReadOnlyList<string> Files => files;

    public Composition Compose(string file)
    {
        string full = Path.GetFullPath(file);
        var root = Load(full, [full]);
        if (root is not null && root.Size > InputLimits.Recipe.MaxNodes)
        {
            // Each file is within the limit; their merge is held to it too, since every later check walks it per matrix combination.
            problems.Add(Diagnostic.At(root.Position, Severity.Error, DiagnosticCodes.TooManyNodes, string.Create(CultureInfo.InvariantCulture,
                $"the recipe and the bases it extends hold {root.Size:N0} nodes together; at most {InputLimits.Recipe.MaxNodes:N0} are allowed")));
            return new Composition(null, false);
        }

        return new Composition(root, complete && root is not null);
    }

    private YamlTreeMapping? Load(string file, List<string> chain)
    {
        files.Add(file);
        var node = YamlTreeReader.ReadFile(file, problems, boundary);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlTreeMapping mapping)
        {
            // A scalar document is the whole file's text: say what it is, never echo it.
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.BadDocument,
                $"a recipe must be a mapping of settings, got {(node is YamlTreeScalar ? "plain text (one YAML scalar)" : ScalarParsing.Describe(node))}"));
            return null;
        }

        var extends = mapping.Find(RecipeSchema.Extends.Name);
        if (extends is null)
        {
            return mapping;
        }

        var own = mapping.Without(RecipeSchema.Extends.Name);
        if (extends.Value is not YamlTreeScalar { IsNull: false } target)
        {
            problems.Add(Diagnostic.At(extends.Value.Position, Severity.Error, DiagnosticCodes.WrongType,
                $"extends must be a path to a base recipe, got {ScalarParsing.Describe(extends.Value)}"));
            complete = false;
            return own;
        }

        if (chain.Count > MaxExtendsDepth)
        {
            problems.Add(Diagnostic.At(target.Position, Severity.Error, DiagnosticCodes.ExtendsTooDeep,
                $"extends '{BoundedText.Shorten(target.Value)}' would be base number {chain.Count}; recipes may stack at most {MaxExtendsDepth} bases"));
            complete = false;
            return own;
        }

        string? basePath = paths.Resolve(target, "base recipe", mustExist: true, InputLimits.Recipe);
        if (basePath is null)
        {
            complete = false;
            return own;
        }

        if (chain.Contains(basePath))
        {
            string cycle = string.Join(" -> ", chain.Append(basePath).Select(p => SourcePosition.DisplayPath(p, boundary.Root)));
            problems.Add(Diagnostic.At(target.Position, Severity.Error, DiagnosticCodes.ExtendsCycle,
                $"extends '{target.Value}' makes a cycle: {cycle}"));
            complete = false;
            return own;
        }

        var baseMapping = Load(basePath, [.. chain, basePath]);
        if (baseMapping is null)
        {
            complete = false;
            return own;
        }

        return Merge(baseMapping, own);
    }

    /// <summary>Deep merge: mappings merge key by key with <paramref name="child"/> winning; anything else in the child replaces the base value.</summary>
    internal static YamlTreeMapping Merge(YamlTreeMapping baseMapping, YamlTreeMapping child)
    {
        var entries = new List<YamlTreeEntry>();
        foreach (var baseEntry in baseMapping.Entries)
        {
            var childEntry = child.Find(baseEntry.Key);
            if (childEntry is null)
            {
                entries.Add(baseEntry);
            }
            else if (baseEntry.Value is YamlTreeMapping baseValue && childEntry.Value is YamlTreeMapping childValue)
            {
                entries.Add(childEntry with { Value = Merge(baseValue, childValue) });
            }
            else
            {
                entries.Add(childEntry);
            }
        }

        entries.AddRange(child.Entries.Where(e => baseMapping.Find(e.Key) is null));
        return new YamlTreeMapping(entries, child.Position);
    }
}
