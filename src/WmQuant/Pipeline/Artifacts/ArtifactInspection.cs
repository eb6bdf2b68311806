using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO.Safetensors;
using WmQuant.Quantization.Packing;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>
/// What <see cref="ArtifactInspection.Inspect"/> found: an artifact's manifest with every way its folder no longer
/// matches it, or a safetensors file's listing, or why the path is neither.
/// </summary>
/// <param name="ArtifactDirectory">The artifact folder, when the path named one (or its manifest).</param>
/// <param name="Manifest">Its manifest, when it could be read.</param>
/// <param name="File">The safetensors listing, when the path named a file.</param>
/// <param name="Problems">Mismatches with the manifest (WMQ3401; the manifest is still shown), or why nothing could be read (WMQ3002).</param>
public sealed record ArtifactInspectionResult(
    string? ArtifactDirectory, ArtifactManifest? Manifest, SafetensorsListing? File, IReadOnlyList<Diagnostic> Problems)
{
    /// <summary>The per-layer summary of the folder's model files (config.json and the weights' headers), when they could be read.</summary>
    public ArtifactQuantizationSummary? Summary { get; init; }
}

/// <summary>
/// The use-case behind <c>wmq inspect</c>: describe an artifact folder (verifying every file against its manifest, and
/// layer by layer from its model files) or a safetensors file.
/// </summary>
public static class ArtifactInspection
{
    /// <summary>Inspects an artifact folder, its manifest.json, or a .safetensors file.</summary>
    public static ArtifactInspectionResult Inspect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full) || Path.GetFileName(full) == ArtifactManifest.FileName)
        {
            string directory = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
            bool hasManifest = System.IO.File.Exists(Path.Combine(directory, ArtifactManifest.FileName));
            bool hasConfig = System.IO.File.Exists(Path.Combine(directory, ArtifactConfigFile.FileName));
            if (!hasManifest && !hasConfig)
            {
                return new ArtifactInspectionResult(directory, null, null, [Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, directory,
                    $"not an artifact folder (no {ArtifactManifest.FileName} and no {ArtifactConfigFile.FileName})")]);
            }

            var problems = new List<Diagnostic>();
            ArtifactManifest? manifest = null;
            if (hasManifest)
            {
                (manifest, var manifestProblem) = ArtifactManifest.TryLoadFolder(directory);
                if (manifest is null)
                {
                    return new ArtifactInspectionResult(directory, null, null, [manifestProblem!]);
                }

                problems.AddRange(ArtifactVerifier.Check(directory, manifest));
            }

            // The layer table is read from the model files themselves, so a bare model folder (no manifest) is described too.
            var (summary, damaged) = hasConfig ? ArtifactQuantizationSummary.Read(directory, manifest) : (null, null);
            if (damaged is not null)
            {
                problems.Add(damaged);
            }

            return new ArtifactInspectionResult(directory, manifest, null, problems) { Summary = summary };
        }

        if (!System.IO.File.Exists(full))
        {
            var missing = Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, full, "no such artifact folder or file");
            return new ArtifactInspectionResult(null, null, null, [missing]);
        }

        var (listing, unreadable) = SafetensorsListing.Read(full);
        return new ArtifactInspectionResult(null, null, listing, unreadable is null ? [] : [unreadable]);
    }
}
