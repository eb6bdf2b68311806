using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>Checks an artifact folder against its manifest: every listed file present with its hash, nothing unlisted.</summary>
public static class ArtifactVerifier
{
    /// <summary>Problems found (empty when the folder is intact), each naming the file.</summary>
    public static IReadOnlyList<string> Verify(string artifactDirectory, ArtifactManifest manifest) =>
        [.. Mismatches(artifactDirectory, manifest).Select(m => $"{m.File}: {m.Reason}")];

    /// <summary>The problems as WMQ3401 diagnostics at the file each concerns.</summary>
    public static IReadOnlyList<Diagnostic> Check(string artifactDirectory, ArtifactManifest manifest) =>
        [.. Mismatches(artifactDirectory, manifest).Select(m => Diagnostic.FileError(DiagnosticCodes.ArtifactMismatch,
            Path.GetFullPath(Path.Combine(artifactDirectory, m.File)), $"artifact does not match its manifest: {m.Reason}"))];

    private static List<(string File, string Reason)> Mismatches(string artifactDirectory, ArtifactManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<(string File, string Reason)>();
        foreach (var file in manifest.Files)
        {
            string path = Path.Combine(artifactDirectory, file.Path);
            if (!File.Exists(path))
            {
                problems.Add((file.Path, "listed in the manifest but missing"));
            }
            else if (FileHashes.Sha256(path) is var actual && actual != file.Sha256)
            {
                problems.Add((file.Path, $"SHA-256 {actual} differs from the manifest's {file.Sha256} (modified after it was written)"));
            }
        }

        var listed = manifest.Files.Select(f => f.Path).Append(ArtifactManifest.FileName).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(artifactDirectory, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(artifactDirectory, file).Replace('\\', '/');
            if (!listed.Contains(relative))
            {
                problems.Add((relative, "not listed in the manifest"));
            }
        }

        return problems;
    }
}
