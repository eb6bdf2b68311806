using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Recipes.Yaml;

namespace WmQuant.Recipes.Composition;

/// <summary>
/// Resolves a path written in a recipe against the folder of the file it is written in and applies the path policy
/// at the recipe line: every component resolved through its links, inside the repository, and (when it must exist)
/// a regular file within its kind's size limit.
/// </summary>
internal sealed class RecipePathResolver(RepositoryBoundary boundary, ICollection<Diagnostic> problems)
{
    /// <summary>The absolute path as written (links not followed, so messages and relative paths read as the author wrote them), or null after reporting why it cannot be used.</summary>
    /// <param name="node">The scalar holding the path.</param>
    /// <param name="what">What the file is, in messages ("checkpoint").</param>
    /// <param name="mustExist">Whether a missing file is a problem (not with <c>--skip-file-checks</c>).</param>
    /// <param name="kind">The limits the file will be read within; default: the kind <paramref name="what"/> names.</param>
    public string? Resolve(YamlTreeScalar node, string what, bool mustExist, InputLimits? kind = null)
    {
        string folder = Path.GetDirectoryName(node.Position.File) ?? boundary.Root;
        var limits = (kind ?? KindOf(what)).Named(what);
        var problem = BoundedText.Check(node.Value, limits, boundary, node.Position, BoundedText.Shorten(node.Value), mustExist);
        if (problem is not null)
        {
            problems.Add(problem);
            return null;
        }

        return Path.GetFullPath(Path.Combine(folder, node.Value));
    }

    /// <summary>
    /// The absolute path of a folder a recipe names (a quantized artifact), or null after reporting why it cannot be used:
    /// resolvable, inside the repository, and (when it must exist) a directory.
    /// </summary>
    public string? ResolveFolder(YamlTreeScalar node, string what, bool mustExist)
    {
        string folder = Path.GetDirectoryName(node.Position.File) ?? boundary.Root;
        string written = BoundedText.Shorten(node.Value);
        var resolved = PathPolicy.Resolve(node.Value, folder);
        if (resolved.Real is not { } real)
        {
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.UnresolvablePath, $"{what} '{written}' cannot be used: {resolved.Problem}"));
            return null;
        }

        if (boundary.Escape(resolved, what, written) is { } escape)
        {
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.PathEscapesRepository, escape));
            return null;
        }

        var kind = PathPolicy.KindOf(real);
        if (kind == FileKind.Missing && mustExist)
        {
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.PathNotFound, $"{what} '{written}' not found (resolved to {resolved.Full})"));
            return null;
        }

        if (kind is not (FileKind.Missing or FileKind.Directory))
        {
            string holder = Path.GetDirectoryName(node.Value) is { Length: > 0 } parent ? $" ('{BoundedText.Shorten(parent)}')" : "";
            string then = kind == FileKind.Regular ? $"name the folder that holds it{holder}" : "name the artifact folder";
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.NotRegularFile,
                $"{what} '{written}' is {PathPolicy.Describe(kind)}, not a folder; {then}"));
            return null;
        }

        return Path.GetFullPath(Path.Combine(folder, node.Value));
    }

    /// <summary>The limits of the file a recipe path names, by what the schema calls it.</summary>
    internal static InputLimits KindOf(string what) => what switch
    {
        "model config" => InputLimits.ModelConfig,
        "baseline manifest" => InputLimits.Manifest,
        "base recipe" => InputLimits.Recipe,
        _ => InputLimits.Checkpoint,
    };
}
