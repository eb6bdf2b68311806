using WmQuant.Recipes;

namespace WmQuant.Tests.Recipes;

/// <summary>A throwaway repository (a folder with .git) holding recipe files and the files they reference.</summary>
internal sealed class RecipeWorkspace : IDisposable
{
    /// <summary>A minimal valid recipe: three lines, so a test's own lines start at line 4.</summary>
    public const string ValidHead = "name: t\nmodel: { checkpoint: m.safetensors }\nenvironment: wall\n";

    private readonly string outer;

    public RecipeWorkspace()
    {
        outer = Directory.CreateTempSubdirectory("wmq-recipe-").FullName;
        Root = Path.Combine(outer, "repo");
        Directory.CreateDirectory(Path.Combine(Root, ".git"));
        Write("m.safetensors", "not a real checkpoint; only its existence is checked");
    }

    /// <summary>The repository root.</summary>
    public string Root { get; }

    /// <summary>The folder containing the repository (where escaping paths lead).</summary>
    public string Outside => outer;

    public string Write(string relative, string text)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public RecipeLoadResult Load(string relative, RecipeLoadOptions? options = null) =>
        RecipeLoader.Load(Path.Combine(Root, relative), options);

    /// <summary>Every file and folder under the workspace with size and write time, to prove loading writes nothing.</summary>
    public IReadOnlyList<string> Snapshot() =>
        Directory.EnumerateFileSystemEntries(outer, "*", SearchOption.AllDirectories)
            .Select(p => $"{p}|{(File.Exists(p) ? new FileInfo(p).Length : -1)}|{File.GetLastWriteTimeUtc(p).Ticks}")
            .Order(StringComparer.Ordinal)
            .ToList();

    public void Dispose() => Directory.Delete(outer, recursive: true);
}
