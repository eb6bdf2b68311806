namespace WmQuant.Build.Tooling;

/// <summary>
/// Finds wmq from the WmQuantToolPath setting: empty means the local .NET tool of the project's tool manifest
/// (`dotnet tool run wmq`), else `wmq` on PATH (a global tool); a .dll runs through the dotnet host that runs this
/// build; a folder means the wmq apphost (or wmq.dll) inside it; anything else is the executable itself.
/// Failures come back as a message the user can act on, never an exception.
/// </summary>
internal static class WmqLocator
{
    /// <summary>The tool's file name without extension.</summary>
    public const string ToolName = "wmq";

    /// <summary>Resolves the setting.</summary>
    /// <param name="configured">WmQuantToolPath as given (may be empty or relative).</param>
    /// <param name="baseDirectory">Folder a relative setting is relative to (the project's).</param>
    /// <param name="dotnetHost">The dotnet host running MSBuild (DOTNET_HOST_PATH), if known.</param>
    /// <param name="searchPath">The PATH variable.</param>
    /// <param name="problem">Why nothing usable was found.</param>
    public static WmqLaunch? Locate(string? configured, string baseDirectory, string? dotnetHost, string? searchPath, out string? problem)
    {
        problem = null;
        string setting = configured?.Trim() ?? "";
        if (setting.Length == 0 || setting == ToolName)
        {
            // A manifest pins the version per repository, so it wins over whatever global tool PATH has.
            if (ToolManifest.FindCommand(baseDirectory, ToolName, out string? manifestProblem) is { } manifest)
            {
                string? host = Host(dotnetHost, searchPath);
                if (host is null)
                {
                    problem = $"{manifest} lists wmq, but running it needs the dotnet host: DOTNET_HOST_PATH is not set and dotnet is not on PATH";
                    return null;
                }

                return new WmqLaunch(host, null, manifest);
            }

            string? onPath = FindOnPath(ExecutableNames(ToolName), searchPath);
            if (onPath is not null)
            {
                return new WmqLaunch(onPath, null);
            }

            problem = "wmq was not found: no tool manifest (.config/dotnet-tools.json) lists it and it is not on PATH; "
                + "install it (`dotnet new tool-manifest && dotnet tool install --local WmQuant.Cli`) or set WmQuantToolPath to the wmq "
                + "executable, wmq.dll or the folder that holds them (e.g. src/WmQuant.Cli/bin/Release/net10.0/wmq.dll after "
                + "`dotnet build src/WmQuant.Cli -c Release`)" + (manifestProblem is null ? "" : "; " + manifestProblem);
            return null;
        }

        string full = Path.GetFullPath(Path.Combine(baseDirectory, setting));
        if (Directory.Exists(full))
        {
            foreach (string name in ExecutableNames(ToolName))
            {
                string candidate = Path.Combine(full, name);
                if (File.Exists(candidate))
                {
                    return new WmqLaunch(candidate, null);
                }
            }

            string dll = Path.Combine(full, ToolName + ".dll");
            if (File.Exists(dll))
            {
                return ThroughHost(dll, dotnetHost, searchPath, out problem);
            }

            problem = $"WmQuantToolPath '{setting}' is a folder without wmq or wmq.dll in it (resolved to {full})";
            return null;
        }

        if (!File.Exists(full))
        {
            problem = $"WmQuantToolPath '{setting}' does not exist (resolved to {full}); build the CLI first (`dotnet build src/WmQuant.Cli -c Release`) or fix the path";
            return null;
        }

        return full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? ThroughHost(full, dotnetHost, searchPath, out problem)
            : new WmqLaunch(full, null);
    }

    private static WmqLaunch? ThroughHost(string dll, string? dotnetHost, string? searchPath, out string? problem)
    {
        problem = null;
        string? host = Host(dotnetHost, searchPath);
        if (host is null)
        {
            problem = $"running {dll} needs the dotnet host, but DOTNET_HOST_PATH is not set and dotnet is not on PATH";
            return null;
        }

        return new WmqLaunch(host, dll);
    }

    private static string? Host(string? dotnetHost, string? searchPath) => !string.IsNullOrEmpty(dotnetHost) && File.Exists(dotnetHost)
        ? dotnetHost
        : FindOnPath(ExecutableNames("dotnet"), searchPath);

    private static string[] ExecutableNames(string name) =>
        OperatingSystem.IsWindows() ? [name + ".exe", name + ".cmd", name] : [name];

    private static string? FindOnPath(string[] names, string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath))
        {
            return null;
        }

        foreach (string folder in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in names)
            {
                string candidate;
                try
                {
                    candidate = Path.Combine(folder.Trim('"'), name);
                }
                catch (ArgumentException)
                {
                    continue;
                }

                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
