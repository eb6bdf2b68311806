namespace WmQuant.Recipes.Composition;

/// <summary>The folder recipe paths must stay inside: a recipe may not read files from outside its repository.</summary>
public sealed class RepositoryBoundary(string root)
{
    /// <summary>The repository root, without a trailing separator.</summary>
    public string Root { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    /// <summary>The nearest ancestor of <paramref name="start"/> holding a .git entry (a folder, or a file in worktrees), else <paramref name="start"/>.</summary>
    public static RepositoryBoundary Find(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            string git = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return new RepositoryBoundary(dir.FullName);
            }
        }

        return new RepositoryBoundary(start);
    }

    /// <summary>True when <paramref name="fullPath"/> lies inside the root.</summary>
    public bool Contains(string fullPath)
    {
        string normalized = Path.GetFullPath(fullPath);
        return normalized == Root || normalized.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
