namespace WmQuant.Build.Tooling;

/// <summary>
/// The repository boundary wmq applies when no --repo-root is given (nearest ancestor holding a .git entry); the
/// task needs the same folder to find files that wmq names relative to it.
/// </summary>
internal static class RepositoryRoot
{
    /// <summary>The nearest ancestor of <paramref name="start"/> (itself included) with a .git file or folder, or null.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            string git = Path.Combine(dir.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
