using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.IO.Safetensors;
using WmQuant.Pipeline.Artifacts;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq inspect`: <see cref="ArtifactInspection"/> of an artifact folder or a safetensors file, as text or JSON.</summary>
internal static class InspectCommand
{
    /// <summary>The command line of an inspection, read once.</summary>
    private sealed record Options(string Path, bool Json);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "An artifact folder (with manifest.json), a manifest.json, or a .safetensors file." };
        var json = new Option<bool>("--json") { Description = "Print the manifest (artifacts) or the tensor table (files) as JSON." };
        var command = new Command("inspect", "Describe an artifact (and verify every file against its manifest) or a safetensors checkpoint.");
        command.Arguments.Add(path);
        command.Options.Add(json);
        command.SetAction(parse => Handle(parse, new Options(parse.GetValue(path)!, parse.GetValue(json))));
        return command;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var result = ArtifactInspection.Inspect(options.Path);
        if (result.Manifest is { } manifest)
        {
            PrintArtifact(parse.Out(), manifest, result.Problems.Count, options.Json);
        }
        else if (result.File is { } file)
        {
            PrintFile(parse.Out(), file, options.Json);
        }

        return parse.ExitWith(result.Problems);
    }

    private static void PrintArtifact(TextWriter output, ArtifactManifest manifest, int problems, bool json)
    {
        if (json)
        {
            output.WriteLine(manifest.ToJson().TrimEnd());
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{manifest.Name} {manifest.Version}  gates: {manifest.Status}");
        var tool = manifest.Tool;
        output.WriteLine($"  made by      {tool.Name} {tool.Version} (TorchSharp {tool.TorchSharp}, libtorch {tool.LibTorch}) on {manifest.Device}");
        output.WriteLine($"  recipe       {manifest.Recipe.File} ({manifest.Recipe.Name})");
        output.WriteLine($"  source       {manifest.Model.Path} sha256 {manifest.Model.Sha256}");
        output.WriteLine($"  quantization {manifest.Quantization.Summary}, {manifest.Quantization.Layers.Count} Linears");
        output.WriteLine(string.Create(inv,
            $"  size         {manifest.Sizes.PackedBytes:N0} bytes ({manifest.Sizes.EffectiveBitsPerQuantizedWeight:F3} bits per quantized weight, " +
            $"{manifest.Sizes.Reduction:F2}x smaller than fp32)"));
        if (manifest.Baseline is { } fp && manifest.Quantized is { } q)
        {
            output.WriteLine(string.Create(inv,
                $"  success      {q.SuccessRate:F2} quantized vs {fp.SuccessRate:F2} FP32 on {q.EpisodeCount} {manifest.Environment} episodes"));
        }

        foreach (var gate in manifest.Gates)
        {
            output.WriteLine($"  gate         {gate.Metric} {gate.Kind}: {gate.Verdict} — {gate.Message}");
        }

        output.WriteLine(problems == 0
            ? $"  files        {manifest.Files.Count} files match their SHA-256"
            : $"  files        {problems} problem(s):");
    }

    private static void PrintFile(TextWriter output, SafetensorsListing file, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                metadata = file.Metadata,
                tensors = file.Tensors.Select(t => new { name = t.Name, dtype = t.DType.ToString(), shape = t.Shape, bytes = t.ByteLength }),
            }, Indented));
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        int packed = file.Tensors.Count(t => t.Name.EndsWith(".weight_packed", StringComparison.Ordinal));
        output.WriteLine(string.Create(inv,
            $"{file.Path}: {file.Tensors.Count} tensors, {file.Tensors.Sum(t => t.ByteLength):N0} bytes, {packed} packed Linear(s)"));
        var oneLine = file.Metadata.Where(m => !m.Value.Contains('\n', StringComparison.Ordinal)).OrderBy(m => m.Key, StringComparer.Ordinal);
        foreach (var (key, value) in oneLine)
        {
            output.WriteLine($"  meta  {key} = {value}");
        }

        foreach (var t in file.Tensors)
        {
            output.WriteLine(string.Create(inv, $"  {t.Name,-60} {t.DType,-8} [{string.Join(", ", t.Shape)}]"));
        }
    }
}
