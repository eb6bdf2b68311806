namespace WmQuant.IO;

/// <summary>
/// The folder recipe paths must stay inside: a recipe may not read files from outside its repository. Containment is
/// judged on resolved paths (<see cref="PathPolicy"/>): a link inside the repository that leads out leads out.
/// </summary>
public sealed class RepositoryBoundary
{
    /// <summary>A boundary at <paramref name="root"/> (made absolute; its own links are followed for the containment check).</summary>
    public RepositoryBoundary(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        RealRoot = PathPolicy.Resolve(Root).Real ?? Root;
    }

    /// <summary>The repository root as given, without a trailing separator: what messages and manifests show paths relative to.</summary>
    public string Root { get; }

    /// <summary>The root with its links followed: what resolved paths are compared with.</summary>
    public string RealRoot { get; }

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

    /// <summary>True when <paramref name="path"/>, with every link followed, lies inside the root.</summary>
    public bool Contains(string path) => PathPolicy.Resolve(path).Real is { } real && PathPolicy.IsInside(real, RealRoot);

    /// <summary>
    /// Why <paramref name="resolved"/> may not be used, or null when it stays inside: names the place it leads to, and
    /// whether a link took it there, so the message says what to fix. <paramref name="written"/> is the path as a
    /// recipe wrote it, or null when the message is reported at the file itself (whose position already names it).
    /// </summary>
    public string? Escape(ResolvedPath resolved, string what, string? written)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        if (resolved.Real is not { } real || PathPolicy.IsInside(real, RealRoot))
        {
            return null;
        }

        bool throughLink = PathPolicy.IsInside(resolved.Full, Root) || PathPolicy.IsInside(resolved.Full, RealRoot);
        string subject = written is null ? what : $"{what} '{written}'";
        return (throughLink, written) switch
        {
            (true, _) => $"{subject} leads through a symbolic link to {real}, outside the repository {Root}; keep recipe inputs inside the repository (links included)",
            (false, null) => $"{subject} lies outside the repository {Root}; keep recipes inside the repository (or pass a --repo-root that contains it)",
            _ => $"{subject} resolves to {real}, outside the repository {Root}; keep recipe inputs inside the repository",
        };
    }
}
