using System.Text.Json;

namespace WmQuant.Build.State;

/// <summary>
/// What the last successful quantization of a recipe read and wrote, kept in obj/. The next build takes its
/// Inputs (recipe bases, checkpoint, ...) and Outputs (the manifests) from it without starting wmq, so an
/// up-to-date build costs no process at all. Written only after success: a failed gate leaves no state, and the
/// next build runs (and fails) again instead of passing on a stale artifact.
/// </summary>
internal sealed class RecipeBuildState
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>Format version of the state file.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The recipe, absolute.</summary>
    public string Recipe { get; init; } = "";

    /// <summary>Every file the result depends on (recipe, bases, checkpoint, config, normalization, baselines, the tool).</summary>
    public IReadOnlyList<string> InputFiles { get; init; } = [];

    /// <summary>Artifact folders the run wrote, absolute.</summary>
    public IReadOnlyList<ArtifactRecord> Artifacts { get; init; } = [];

    /// <summary>Reads a state file; null when it is missing, unreadable or from another format version (the target then simply runs).</summary>
    public static RecipeBuildState? TryLoad(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var state = JsonSerializer.Deserialize<RecipeBuildState>(File.ReadAllText(path), Options);
            return state is { Version: 1 } ? state : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the state (directory created as needed).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Options));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Removes a state file if present, so a failed or interrupted run is never mistaken for an up-to-date one.</summary>
    public static void Delete(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}

/// <summary>One artifact folder a recipe produced.</summary>
internal sealed class ArtifactRecord
{
    /// <summary>Folder name (the artifact's name).</summary>
    public string Name { get; init; } = "";

    /// <summary>Absolute folder path.</summary>
    public string Directory { get; init; } = "";

    /// <summary>passed, failed or ungated, as the manifest says.</summary>
    public string Status { get; init; } = "";
}
