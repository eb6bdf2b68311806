using System.Globalization;
using System.IO.Compression;
using NuGet.Packaging;
using NuGet.Versioning;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Naming;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>
/// The artifact folder as a NuGet package (id = artifact name, version = the artifact's SemVer), so quantized models
/// travel through the feeds, retention rules and version resolution teams already use for code. The files sit under
/// <c>content/wmq/&lt;name&gt;/</c> and the manifest's headline numbers go into the package description and tags.
/// </summary>
public static class ArtifactPackage
{
    /// <summary>
    /// The use-case behind <c>wmq pack</c>: packs an artifact folder only after checking it still matches its manifest,
    /// into <paramref name="outputDirectory"/> (default: the folder's parent). Problems come back as diagnostics and
    /// nothing is written: an unreadable folder or manifest (WMQ3002), a mismatch (WMQ3401), an unwritable output (WMQ3303).
    /// </summary>
    public static ArtifactPackOutcome Pack(string artifactDirectory, string? outputDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(artifactDirectory);
        string directory = Path.GetFullPath(artifactDirectory);
        var (manifest, problem) = ArtifactManifest.TryLoadFolder(directory);
        if (manifest is null)
        {
            return new ArtifactPackOutcome(null, [problem!]);
        }

        var mismatches = ArtifactVerifier.Check(directory, manifest);
        if (mismatches.Count > 0)
        {
            return new ArtifactPackOutcome(null, [.. mismatches.Select(m => m with { Hint = "nothing packed" })]);
        }

        string output = Path.GetFullPath(outputDirectory ?? Path.GetDirectoryName(directory)!);
        try
        {
            Directory.CreateDirectory(output);
            return new ArtifactPackOutcome(Write(directory, manifest, output), []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var unwritable = Diagnostic.FileError(DiagnosticCodes.OutputUnwritable, output, $"cannot write the package: {e.Message}");
            return new ArtifactPackOutcome(null, [unwritable]);
        }
    }

    /// <summary>Writes &lt;out&gt;/&lt;name&gt;.&lt;version&gt;.nupkg from an artifact folder and returns its path.</summary>
    public static string Write(string artifactDirectory, ArtifactManifest manifest, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var builder = new PackageBuilder(deterministic: true)
        {
            Id = manifest.Name,
            Version = NuGetVersion.Parse(manifest.Version),
            Description = Describe(manifest),
            Title = $"{manifest.Name} ({manifest.Quantization.Summary})",
        };
        builder.Authors.Add("wmq");
        builder.Tags.Add("wmq");
        builder.Tags.Add("world-model");
        builder.Tags.Add("quantized");
        builder.Tags.Add($"gates-{Names.Of(manifest.Status)}");
        foreach (var file in Directory.EnumerateFiles(artifactDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(artifactDirectory, file).Replace('\\', '/');
            builder.Files.Add(new PhysicalPackageFile { SourcePath = file, TargetPath = $"content/wmq/{manifest.Name}/{relative}" });
        }

        string path = Path.Combine(outputDirectory, $"{manifest.Name}.{builder.Version.ToNormalizedString()}.nupkg");
        string temporary = path + ".tmp";
        using (var packed = new MemoryStream())
        {
            builder.Save(packed);
            packed.Position = 0;
            using var stream = File.Create(temporary);
            WithFixedTimestamps(packed, stream);
        }

        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// Copies a zip entry by entry with one fixed timestamp: NuGet's deterministic mode still stamps entries with the
    /// current time, which would make identical artifacts give different package bytes.
    /// </summary>
    private static void WithFixedTimestamps(Stream source, Stream destination)
    {
        var fixedTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var input = new ZipArchive(source, ZipArchiveMode.Read, leaveOpen: true);
        using var output = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var entry in input.Entries)
        {
            var copy = output.CreateEntry(entry.FullName, CompressionLevel.Optimal);
            copy.LastWriteTime = fixedTime;
            using var from = entry.Open();
            using var to = copy.Open();
            from.CopyTo(to);
        }
    }

    private static string Describe(ArtifactManifest m)
    {
        var inv = CultureInfo.InvariantCulture;
        string metrics = m.Quantized is { } q && m.Baseline is { } fp
            ? string.Create(inv, $" Planning success on {q.EpisodeCount} {m.Environment} episodes: {q.SuccessRate:F2} quantized vs {fp.SuccessRate:F2} FP32.")
            : "";
        return string.Create(inv, $"{m.Quantization.Summary} quantization of a DINO-WM world model (source SHA-256 {m.Model.Sha256}); {m.Sizes.EffectiveBitsPerQuantizedWeight:F3} bits per quantized weight, {m.Sizes.Reduction:F2}x smaller than fp32.{metrics} Gates: {Names.Of(m.Status)}. Made by wmq {m.Tool.Version}; manifest.json inside lists every input and output hash.");
    }
}

/// <summary>A written package, or why none was written.</summary>
/// <param name="PackagePath">The .nupkg, when it was written.</param>
/// <param name="Problems">Why not.</param>
public sealed record ArtifactPackOutcome(string? PackagePath, IReadOnlyList<Diagnostic> Problems);
