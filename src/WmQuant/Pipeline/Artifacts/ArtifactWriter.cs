using System.Globalization;
using WmQuant.Contract;
using WmQuant.IO;
using WmQuant.Models.Checkpoints;
using WmQuant.Pipeline.Stages;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;
using WmQuant.Runtime;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>Everything the artifact folder is made from.</summary>
/// <param name="Recipe">The recipe.</param>
/// <param name="Options">Run options.</param>
/// <param name="Run">Where it ran (device, tool version).</param>
/// <param name="Checkpoint">The FP checkpoint (quantized here, or the source of <paramref name="SourceArtifact"/>), or null when only an artifact was named.</param>
/// <param name="Quantized">The quantized model and its packed file.</param>
/// <param name="Baseline">FP evaluation, or null.</param>
/// <param name="Evaluation">Quantized evaluation, or null.</param>
/// <param name="Gates">Gate verdicts.</param>
/// <param name="Status">passed, gate_failed or ungated.</param>
/// <param name="Timings">Seconds per stage.</param>
/// <param name="RecipeSources">Every recipe file read (the recipe, then the bases it extends).</param>
/// <param name="Reconstructions">Decoder reconstructions for the report, or null.</param>
/// <param name="SourceArtifact">The existing artifact re-evaluated instead of quantizing (a recipe's model.artifact), or null.</param>
public sealed record ArtifactContext(
    Recipe Recipe,
    PipelineOptions Options,
    RunContext Run,
    string? Checkpoint,
    QuantizedModel Quantized,
    EvaluationRecord? Baseline,
    EvaluationRecord? Evaluation,
    IReadOnlyList<GateResult> Gates,
    RunStatus Status,
    IReadOnlyDictionary<string, double> Timings,
    IReadOnlyList<string> RecipeSources,
    Reports.Model.ReconstructionFigure? Reconstructions = null,
    Inputs.ArtifactModelInput? SourceArtifact = null);

/// <summary>
/// Builds an artifact folder next to its final place and swaps it in only when complete, so a crash or a failed
/// stage never leaves a half-written artifact where a build expects a finished one.
/// </summary>
public static class ArtifactWriter
{
    /// <summary>A fresh staging folder inside the output folder (same file system, so the final move is a rename).</summary>
    public static string CreateStaging(string outputDirectory, string name)
    {
        string staging = Path.Combine(Path.GetFullPath(outputDirectory), $".staging-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>Deletes a staging folder after a failure.</summary>
    public static void Discard(string staging)
    {
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// Copies the quantized model's files (config.json and model.safetensors, or the index and its shards) from the
    /// stage cache into the staging folder; <see cref="Complete"/> hashes them into the manifest like every file.
    /// </summary>
    public static void CopyModel(string staging, QuantizedModel quantized)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        foreach (string file in quantized.PackedFiles)
        {
            File.Copy(Path.Combine(quantized.PackedDirectory, file), Path.Combine(staging, file), overwrite: true);
        }
    }

    /// <summary>
    /// Writes recipe.yaml, MODEL_CARD.md and manifest.json into the staging folder (the packed model is already there:
    /// <see cref="CopyModel"/>).
    /// </summary>
    public static ArtifactManifest Complete(string staging, ArtifactContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var recipe = context.Recipe;
        string root = context.Options.RepositoryRoot;
        File.Copy(recipe.SourceFile, Path.Combine(staging, "recipe.yaml"), overwrite: true);
        File.WriteAllText(Path.Combine(staging, "recipe.resolved.json"), RecipeWriter.ToText(recipe));

        var preliminary = BuildManifest(context, staging, files: []);
        File.WriteAllText(Path.Combine(staging, "MODEL_CARD.md"), ArtifactModelCard.Render(preliminary));
        Reports.ReportWriter.Write(RunReportBuilder.Build(preliminary, recipe, context.Reconstructions, context.Quantized.PackedSha256), Path.Combine(staging, "report"));

        var files = Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(staging, f).Replace('\\', '/'))
            .Where(f => f != ArtifactManifest.FileName)
            .Order(StringComparer.Ordinal)
            .Select(f => Entry(Path.Combine(staging, f), f))
            .ToList();
        var manifest = BuildManifest(context, staging, files);
        File.WriteAllText(Path.Combine(staging, ArtifactManifest.FileName), manifest.ToJson());
        return manifest;
    }

    /// <summary>Moves the staging folder to &lt;out&gt;/&lt;name&gt;, replacing a previous artifact of that name.</summary>
    public static string Publish(string staging, string outputDirectory, string name)
    {
        string final = Path.Combine(Path.GetFullPath(outputDirectory), name);
        string? old = null;
        if (Directory.Exists(final))
        {
            old = Path.Combine(Path.GetFullPath(outputDirectory), $".old-{name}-{Guid.NewGuid():N}");
            Directory.Move(final, old);
        }

        Directory.Move(staging, final);
        if (old is not null)
        {
            Directory.Delete(old, recursive: true);
        }

        return final;
    }

    /// <summary>A file's relative path, hash and size.</summary>
    public static FileInfoEntry Entry(string path, string displayPath) =>
        new(displayPath, FileHashes.Sha256(path), new FileInfo(path).Length);

    private static ArtifactManifest BuildManifest(ArtifactContext c, string staging, IReadOnlyList<FileInfoEntry> files)
    {
        var recipe = c.Recipe;
        string root = c.Options.RepositoryRoot;
        string Rel(string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
        var sources = c.RecipeSources.DefaultIfEmpty(recipe.SourceFile).Select(f => Entry(f, Rel(f))).ToList();
        var layers = c.Quantized.Layers;
        var source = c.SourceArtifact;
        var previous = source?.Manifest;
        // The source model: the checkpoint named, else the one the re-evaluated artifact's manifest records.
        var model = c.Checkpoint is { } checkpoint ? Entry(checkpoint, Rel(checkpoint)) : previous!.Model;
        var modelFiles = c.Checkpoint is { } named ? ModelFilesOf(named, recipe.Model.Config, Rel) : previous?.ModelFiles;
        return new ArtifactManifest(
            ArtifactManifest.CurrentFormat,
            recipe.Artifact.Name,
            recipe.Artifact.Version,
            c.Status,
            new ToolInfo("wmq", c.Run.ToolVersion, TorchRuntime.TorchSharpVersion(), TorchRuntime.LibTorchVersion()),
            new RecipeInfo(recipe.Name, Rel(recipe.SourceFile), FileHashes.Sha256(recipe.SourceFile), sources,
                recipe.MatrixValues.ToDictionary(m => m.Path, m => m.Value, StringComparer.Ordinal)),
            model,
            recipe.Environment,
            c.Run.DeviceKind,
            new SeedInfo(recipe.Seed, recipe.Evaluation.SeedOffset, recipe.Evaluation.Episodes, recipe.Calibration.SeedOffset, c.Quantized.CalibrationEpisodes),
            previous?.Quantization
                ?? new QuantizationInfo(recipe.Quantization.Method.Name, recipe.Quantization.Describe(), layers) { Settings = RecipeWriter.Quantization(recipe.Quantization) },
            c.Quantized.Sizes,
            c.Baseline,
            c.Evaluation,
            c.Gates,
            c.Timings,
            files)
        {
            ModelFiles = modelFiles,
            SourceArtifact = source is null ? null : new SourceArtifactInfo(
                Rel(source.Folder), previous!.Name, previous.Version, source.Digest, source.ManifestSha256!),
        };
    }

    /// <summary>The checkpoint's model config (named, else beside it) and normalization.json, those that exist, hashed.</summary>
    private static List<FileInfoEntry> ModelFilesOf(string checkpoint, string? config, Func<string, string> rel) =>
        [.. new[] { config ?? WorldModelCheckpoint.ConfigPathFor(checkpoint), Path.Combine(Path.GetDirectoryName(checkpoint)!, NormalizationRecord.FileName) }
            .Where(File.Exists)
            .Select(f => Entry(f, rel(f)))];

    internal static string Format(double value, string format = "F3") => value.ToString(format, CultureInfo.InvariantCulture);
}
