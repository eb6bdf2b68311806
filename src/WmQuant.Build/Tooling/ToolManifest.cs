using System.Text.Json;

namespace WmQuant.Build.Tooling;

/// <summary>
/// Finds the .NET local tool manifest that `dotnet tool run` would use from a folder, the way the SDK looks: in each
/// folder from the start upwards, .config/dotnet-tools.json then dotnet-tools.json; a manifest marked isRoot ends the
/// search. Lets a project outside this repository get wmq from `dotnet tool install --local WmQuant.Cli`.
/// </summary>
internal static class ToolManifest
{
    /// <summary>The manifest that lists a tool with command <paramref name="command"/>, or null.</summary>
    /// <param name="start">The folder `dotnet tool run` would run in (the project's).</param>
    /// <param name="command">The command name (wmq).</param>
    /// <param name="problem">An unreadable manifest on the way, if one was skipped.</param>
    public static string? FindCommand(string start, string command, out string? problem)
    {
        problem = null;
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, ".config", "dotnet-tools.json"), Path.Combine(dir.FullName, "dotnet-tools.json") })
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }

                var (commands, isRoot, error) = Read(candidate);
                if (error is not null)
                {
                    problem ??= error;
                    continue;
                }

                if (commands.Contains(command, StringComparer.Ordinal))
                {
                    return candidate;
                }

                if (isRoot)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private static (IReadOnlyList<string> Commands, bool IsRoot, string? Error) Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            var root = document.RootElement;
            bool isRoot = root.TryGetProperty("isRoot", out var flag) && flag.ValueKind == JsonValueKind.True;
            var commands = new List<string>();
            if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Object)
            {
                foreach (var tool in tools.EnumerateObject())
                {
                    if (tool.Value.ValueKind == JsonValueKind.Object && tool.Value.TryGetProperty("commands", out var names) && names.ValueKind == JsonValueKind.Array)
                    {
                        commands.AddRange(names.EnumerateArray().Where(n => n.ValueKind == JsonValueKind.String).Select(n => n.GetString()!));
                    }
                }
            }

            return (commands, isRoot, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return ([], false, $"{path} could not be read as a tool manifest: {ex.Message}");
        }
    }
}
