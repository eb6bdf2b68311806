using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using WmQuant.Contract;
using WmQuant.Build.State;
using WmQuant.Build.Tooling;

namespace WmQuant.Build.Tasks;

/// <summary>
/// Turns &lt;WmQuantRecipe&gt; items into what the incremental quantize target needs, without starting wmq: each
/// recipe's effective settings (item metadata over project properties), the settings as lines for the inputs file
/// (so a changed property re-runs, as the SDK does for its own caches), and Inputs/Outputs from the last
/// successful run's state (recipe bases, checkpoint, manifests).
/// </summary>
public sealed class WmQuantPrepareRecipes : Microsoft.Build.Utilities.Task
{
    /// <summary>The project's WmQuantRecipe items; metadata Device, OutputDirectory, CacheDirectory, SkipGates, SkipEvaluation, NoCache, Threads override the properties.</summary>
    [Required]
    public ITaskItem[] Recipes { get; set; } = [];

    /// <summary>The project folder: relative recipes and folders are relative to it.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>Where state and inputs files live (obj/…/wmquant/).</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = "";

    /// <summary>Default artifact folder (WmQuantOutputDirectory).</summary>
    [Required]
    public string OutputDirectory { get; set; } = "";

    /// <summary>Default device (WmQuantDevice); empty keeps each recipe's own.</summary>
    public string? Device { get; set; }

    /// <summary>Default stage cache (WmQuantCacheDirectory); empty keeps wmq's default.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>WmQuantNoCache.</summary>
    public bool NoCache { get; set; }

    /// <summary>WmQuantSkipGates: when true, no recipe's gates fail the build, whatever its metadata says.</summary>
    public bool SkipGates { get; set; }

    /// <summary>WmQuantSkipEvaluation: when true, no recipe is evaluated, whatever its metadata says.</summary>
    public bool SkipEvaluation { get; set; }

    /// <summary>WmQuantArtifactVersion: SemVer for every artifact instead of the recipes' (release builds).</summary>
    public string? ArtifactVersion { get; set; }

    /// <summary>WmQuantThreads.</summary>
    public string? Threads { get; set; }

    /// <summary>WmQuantLibTorchDirectory.</summary>
    public string? LibTorchDirectory { get; set; }

    /// <summary>WmQuantRepositoryRoot.</summary>
    public string? RepositoryRoot { get; set; }

    /// <summary>WmQuantToolPath, so that a different wmq re-runs quantization.</summary>
    public string? Tool { get; set; }

    /// <summary>One item per recipe (its full path) with the effective settings and StateFile, InputsFile, InputsLines, KnownInputs, KnownOutputs.</summary>
    [Output]
    public ITaskItem[] PreparedRecipes { get; private set; } = [];

    /// <inheritdoc/>
    public override bool Execute()
    {
        var prepared = new List<ITaskItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var launch = WmqLocator.Locate(Tool, ProjectDirectory, Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"), Environment.GetEnvironmentVariable("PATH"), out _);
        foreach (var recipe in Recipes)
        {
            string path = Path.GetFullPath(Path.Combine(ProjectDirectory, recipe.ItemSpec));
            if (!seen.Add(path))
            {
                Log.LogWarning(null, DiagnosticCodes.RecipeListedTwice, null, path, 0, 0, 0, 0, "{0}", $"recipe {recipe.ItemSpec} is listed more than once; it is quantized once");
                continue;
            }

            prepared.Add(Prepare(recipe, path, launch));
        }

        PreparedRecipes = [.. prepared];
        return !Log.HasLoggedErrors;
    }

    /// <summary>The file-name stem for a recipe's state: readable name plus a hash of the full path (two recipes may share a name).</summary>
    internal static string StateStem(string recipePath)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(recipePath));
        return Path.GetFileNameWithoutExtension(recipePath) + "." + Convert.ToHexStringLower(hash)[..10];
    }

    private TaskItem Prepare(ITaskItem recipe, string path, WmqLaunch? launch)
    {
        string Setting(string metadata, string? fallback) => recipe.GetMetadata(metadata) is { Length: > 0 } value ? value.Trim() : fallback?.Trim() ?? "";
        bool Flag(string metadata, bool global) => global || string.Equals(recipe.GetMetadata(metadata).Trim(), "true", StringComparison.OrdinalIgnoreCase);
        string? Absolute(string value) => value.Length == 0 ? null : Path.GetFullPath(Path.Combine(ProjectDirectory, value));

        string output = Absolute(Setting("OutputDirectory", OutputDirectory))!;
        string cache = Absolute(Setting("CacheDirectory", CacheDirectory)) ?? "";
        string root = Absolute(Setting("RepositoryRoot", RepositoryRoot)) ?? "";
        bool noCache = Flag("NoCache", NoCache);
        bool skipGates = Flag("SkipGates", SkipGates);
        bool skipEvaluation = Flag("SkipEvaluation", SkipEvaluation);
        string device = Setting("Device", Device);
        string threads = Setting("Threads", Threads);
        string version = Setting("ArtifactVersion", ArtifactVersion);
        string libtorch = Absolute(Setting("LibTorchDirectory", LibTorchDirectory)) ?? "";

        string stem = StateStem(path);
        string intermediate = Path.GetFullPath(Path.Combine(ProjectDirectory, IntermediateDirectory));
        string stateFile = Path.Combine(intermediate, stem + ".state.json");
        string inputsFile = Path.Combine(intermediate, stem + ".inputs");

        var toolFiles = ToolFiles(launch);
        var lines = new List<string>
        {
            "recipe=" + path,
            "output=" + output,
            "cache=" + (noCache ? "none" : cache),
            "device=" + device,
            "skip_gates=" + skipGates.ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            "skip_evaluation=" + skipEvaluation.ToString(CultureInfo.InvariantCulture).ToLowerInvariant(),
            "threads=" + threads,
            "artifact_version=" + version,
            "libtorch=" + libtorch,
            "repository_root=" + root,
            "tool=" + string.Join(" ", toolFiles),
        };

        var state = RecipeBuildState.TryLoad(stateFile);
        var knownInputs = (state?.InputFiles ?? []).Prepend(path).Concat(toolFiles).Distinct(StringComparer.Ordinal);
        var knownOutputs = (state?.Artifacts ?? []).Select(a => Path.Combine(a.Directory, "manifest.json")).Prepend(stateFile);

        var item = new TaskItem(path);
        recipe.CopyMetadataTo(item);
        var literal = (ITaskItem2)item;
        literal.SetMetadataValueLiteral("OutputDirectory", output);
        literal.SetMetadataValueLiteral("CacheDirectory", cache);
        literal.SetMetadataValueLiteral("RepositoryRoot", root);
        literal.SetMetadataValueLiteral("NoCache", Bool(noCache));
        literal.SetMetadataValueLiteral("SkipGates", Bool(skipGates));
        literal.SetMetadataValueLiteral("SkipEvaluation", Bool(skipEvaluation));
        literal.SetMetadataValueLiteral("Device", device);
        literal.SetMetadataValueLiteral("Threads", threads);
        literal.SetMetadataValueLiteral("ArtifactVersion", version);
        literal.SetMetadataValueLiteral("LibTorchDirectory", libtorch);
        literal.SetMetadataValueLiteral("StateFile", stateFile);
        literal.SetMetadataValueLiteral("InputsFile", inputsFile);

        // Lists: escaped entries joined by ';', so MSBuild splits them back into items in Inputs/Outputs/Lines.
        item.SetMetadata("InputsLines", string.Join(";", lines.Select(EscapeForItem)));
        item.SetMetadata("KnownInputs", string.Join(";", knownInputs.Select(EscapeForItem)));
        item.SetMetadata("KnownOutputs", string.Join(";", knownOutputs.Select(EscapeForItem)));
        return item;
    }

    private static string Bool(bool value) => value ? "true" : "false";

    // Semicolons separate list entries; the other MSBuild specials are escaped so paths survive as written.
    private static string EscapeForItem(string value) => value
        .Replace("%", "%25", StringComparison.Ordinal)
        .Replace(";", "%3B", StringComparison.Ordinal)
        .Replace("$", "%24", StringComparison.Ordinal)
        .Replace("@", "%40", StringComparison.Ordinal)
        .Replace("'", "%27", StringComparison.Ordinal);

    private static List<string> ToolFiles(WmqLaunch? launch)
    {
        var files = new List<string>();
        if (launch is null)
        {
            return files;
        }

        // A local tool changes when its manifest's version does; a dll when it is rebuilt.
        if ((launch.Manifest ?? launch.Assembly) is { } file)
        {
            files.Add(file);
            return files;
        }

        files.Add(launch.Executable);
        string sibling = Path.Combine(Path.GetDirectoryName(launch.Executable)!, WmqLocator.ToolName + ".dll");
        if (File.Exists(sibling))
        {
            files.Add(sibling);
        }

        return files;
    }
}
