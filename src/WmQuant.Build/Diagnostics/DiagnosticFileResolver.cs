namespace WmQuant.Build.Diagnostics;

/// <summary>
/// Turns the file named in a wmq diagnostic into an absolute path MSBuild can link to. wmq writes recipe problems
/// relative to its working directory and gate locations relative to the repository root, so a relative path is
/// looked up in both, working directory first.
/// </summary>
/// <param name="workingDirectory">The directory wmq ran in.</param>
/// <param name="repositoryRoot">The repository root wmq resolved recipe paths against, if known.</param>
internal sealed class DiagnosticFileResolver(string workingDirectory, string? repositoryRoot)
{
    /// <summary>The absolute path for a diagnostic's file (unchanged when absolute, null stays null).</summary>
    public string? Resolve(string? file)
    {
        if (string.IsNullOrEmpty(file) || Path.IsPathRooted(file))
        {
            return file;
        }

        string fromWorkingDirectory = Path.GetFullPath(Path.Combine(workingDirectory, file));
        if (File.Exists(fromWorkingDirectory) || repositoryRoot is null)
        {
            return fromWorkingDirectory;
        }

        string fromRoot = Path.GetFullPath(Path.Combine(repositoryRoot, file));
        return File.Exists(fromRoot) ? fromRoot : fromWorkingDirectory;
    }
}
