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

    /// <summary>The limits of the file a recipe path names, by what the schema calls it.</summary>
    internal static InputLimits KindOf(string what) => what switch
    {
        "model config" => InputLimits.ModelConfig,
        "baseline manifest" => InputLimits.Manifest,
        "base recipe" => InputLimits.Recipe,
        _ => InputLimits.Checkpoint,
    };
}
