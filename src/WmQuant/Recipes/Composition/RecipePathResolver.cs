using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Recipes.Yaml;

namespace WmQuant.Recipes.Composition;

/// <summary>Resolves a path written in a recipe against the folder of the file it is written in, and checks it stays in the repository and exists.</summary>
internal sealed class RecipePathResolver(RepositoryBoundary boundary, ICollection<Diagnostic> problems)
{
    /// <summary>The absolute path, or null after reporting why it cannot be used.</summary>
    public string? Resolve(YamlTreeScalar node, string what, bool mustExist)
    {
        string folder = Path.GetDirectoryName(node.Position.File) ?? boundary.Root;
        string full = Path.GetFullPath(Path.Combine(folder, node.Value));
        if (!boundary.Contains(full))
        {
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.PathEscapesRepository,
                $"{what} '{node.Value}' resolves to {full}, outside the repository {boundary.Root}; keep recipe inputs inside the repository"));
            return null;
        }

        if (File.Exists(full) && new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target && !boundary.Contains(target.FullName))
        {
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.PathEscapesRepository,
                $"{what} '{node.Value}' is a symbolic link to {target.FullName}, outside the repository {boundary.Root}; keep recipe inputs inside the repository"));
            return null;
        }

        if (mustExist && !File.Exists(full))
        {
            problems.Add(Diagnostic.At(node.Position, Severity.Error, DiagnosticCodes.PathNotFound,
                $"{what} '{node.Value}' not found (resolved to {full})"));
            return null;
        }

        return full;
    }
}
