using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using WmQuant.Contract;
using WmQuant.Build.State;

namespace WmQuant.Build.Tasks;

/// <summary>
/// Lists the files of the artifacts each recipe's last successful run wrote (from its state file), as items the
/// build copies to the output folder and `dotnet pack` puts into the package. Reading state rather than globbing a
/// folder means a build that skipped wmq still knows its artifacts, and a failed gate's artifact is never shipped.
/// </summary>
public sealed class WmQuantCollectArtifacts : Microsoft.Build.Utilities.Task
{
    /// <summary>Prepared recipes (StateFile metadata).</summary>
    [Required]
    public ITaskItem[] Recipes { get; set; } = [];

    /// <summary>Folder under the build output that receives the artifacts (WmQuantOutputFolder), e.g. quantized.</summary>
    public string OutputFolder { get; set; } = "quantized";

    /// <summary>Folder in the package (WmQuantPackageFolder), e.g. contentFiles/any/any/quantized.</summary>
    public string PackageFolder { get; set; } = "contentFiles/any/any/quantized";

    /// <summary>Warn about recipes that have no successful run yet (pack without a build).</summary>
    public bool WarnIfMissing { get; set; }

    /// <summary>Artifact folders, with ArtifactName, Manifest, Status and Recipe metadata.</summary>
    [Output]
    public ITaskItem[] Artifacts { get; private set; } = [];

    /// <summary>Every artifact file, with TargetPath, CopyToOutputDirectory, PackagePath, BuildAction and ArtifactName metadata.</summary>
    [Output]
    public ITaskItem[] Files { get; private set; } = [];

    /// <inheritdoc/>
    public override bool Execute()
    {
        var artifacts = new List<ITaskItem>();
        var files = new List<ITaskItem>();
        foreach (var recipe in Recipes)
        {
            string stateFile = recipe.GetMetadata("StateFile");
            var state = RecipeBuildState.TryLoad(stateFile);
            if (state is null)
            {
                if (WarnIfMissing)
                {
                    Log.LogWarning(null, DiagnosticCodes.NothingToPack, null, recipe.ItemSpec, 0, 0, 0, 0, "{0}",
                        "no quantized artifact of this recipe from a successful build yet; build the project first (nothing of it is packed)");
                }

                continue;
            }

            foreach (var artifact in state.Artifacts)
            {
                if (!Directory.Exists(artifact.Directory))
                {
                    Log.LogWarning(null, DiagnosticCodes.NothingToPack, null, recipe.ItemSpec, 0, 0, 0, 0, "{0}", $"artifact folder {artifact.Directory} is gone; rebuild to write it again");
                    continue;
                }

                artifacts.Add(ArtifactItem(artifact, state.Recipe));
                files.AddRange(FilesOf(artifact));
            }
        }

        Artifacts = [.. artifacts];
        Files = [.. files];
        return !Log.HasLoggedErrors;
    }

    private static TaskItem ArtifactItem(ArtifactRecord artifact, string recipe)
    {
        var item = new TaskItem(artifact.Directory);
        var literal = (ITaskItem2)item;
        literal.SetMetadataValueLiteral("ArtifactName", artifact.Name);
        literal.SetMetadataValueLiteral("Manifest", Path.Combine(artifact.Directory, "manifest.json"));
        literal.SetMetadataValueLiteral("Status", artifact.Status);
        literal.SetMetadataValueLiteral("Recipe", recipe);
        return item;
    }

    private IEnumerable<ITaskItem> FilesOf(ArtifactRecord artifact)
    {
        // Sorted so the output and package list files in the same order on every machine.
        foreach (string file in Directory.EnumerateFiles(artifact.Directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(artifact.Directory, file).Replace('\\', '/');
            var item = new TaskItem(file);
            var literal = (ITaskItem2)item;
            literal.SetMetadataValueLiteral("ArtifactName", artifact.Name);
            literal.SetMetadataValueLiteral("TargetPath", Join(OutputFolder, artifact.Name, relative).Replace('/', Path.DirectorySeparatorChar));
            literal.SetMetadataValueLiteral("CopyToOutputDirectory", "PreserveNewest");
            literal.SetMetadataValueLiteral("CopyToPublishDirectory", "PreserveNewest");
            // A folder (trailing '/'): NuGet keeps the file name, whatever its extension.
            literal.SetMetadataValueLiteral("PackagePath", Join(PackageFolder, artifact.Name, Path.GetDirectoryName(relative) ?? "") + "/");
            literal.SetMetadataValueLiteral("BuildAction", "None");
            literal.SetMetadataValueLiteral("PackageCopyToOutput", "true");
            yield return item;
        }
    }

    private static string Join(params string[] parts) =>
        string.Join("/", parts.Select(p => p.Replace('\\', '/').Trim('/')).Where(p => p.Length > 0));
}
