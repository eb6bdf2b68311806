using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.IO.Safetensors;
using WmQuant.Pipeline.Artifacts;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq inspect`: what an artifact folder or a safetensors file holds, and whether an artifact is intact.</summary>
internal static class InspectCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "An artifact folder (with manifest.json), a manifest.json, or a .safetensors file." };
        var json = new Option<bool>("--json") { Description = "Print the manifest (artifacts) or the tensor table (files) as JSON." };
        var command = new Command("inspect", "Describe an artifact (and verify every file against its manifest) or a safetensors checkpoint.");
        command.Arguments.Add(path);
        command.Options.Add(json);
        command.SetAction(parse => Run(parse.GetValue(path)!, parse.GetValue(json)));
        return command;
    }

    private static int Run(string path, bool json)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full) || Path.GetFileName(full) == ArtifactManifest.FileName)
        {
            return InspectArtifact(Directory.Exists(full) ? full : Path.GetDirectoryName(full)!, json);
        }

        if (File.Exists(full))
        {
            return InspectFile(full, json);
        }

        Console.Error.WriteLine($"{path}: error WMQ3002: no such artifact folder or file");
        return ExitCodes.InvalidInput;
    }

    private static int InspectArtifact(string directory, bool json)
    {
        var (manifest, loadProblem) = ArtifactManifest.TryLoadFolder(directory);
        if (manifest is null)
        {
            Console.Error.WriteLine(loadProblem);
            return ExitCodes.InvalidInput;
        }

        var problems = ArtifactVerifier.Verify(directory, manifest);
        if (json)
        {
            Console.WriteLine(manifest.ToJson().TrimEnd());
        }
        else
        {
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"{manifest.Name} {manifest.Version}  gates: {manifest.Status}");
            Console.WriteLine($"  made by      {manifest.Tool.Name} {manifest.Tool.Version} (TorchSharp {manifest.Tool.TorchSharp}, libtorch {manifest.Tool.LibTorch}) on {manifest.Device}");
            Console.WriteLine($"  recipe       {manifest.Recipe.File} ({manifest.Recipe.Name})");
            Console.WriteLine($"  source       {manifest.Model.Path} sha256 {manifest.Model.Sha256}");
            Console.WriteLine($"  quantization {manifest.Quantization.Summary}, {manifest.Quantization.Layers.Count} Linears");
            Console.WriteLine(string.Create(inv, $"  size         {manifest.Sizes.PackedBytes:N0} bytes ({manifest.Sizes.EffectiveBitsPerQuantizedWeight:F3} bits per quantized weight, {manifest.Sizes.Reduction:F2}x smaller than fp32)"));
            if (manifest.Baseline is { } fp && manifest.Quantized is { } q)
            {
                Console.WriteLine(string.Create(inv, $"  success      {q.SuccessRate:F2} quantized vs {fp.SuccessRate:F2} FP32 on {q.EpisodeCount} {manifest.Environment} episodes"));
            }

            foreach (var gate in manifest.Gates)
            {
                Console.WriteLine($"  gate         {gate.Metric} {gate.Kind}: {gate.Verdict} — {gate.Message}");
            }

            Console.WriteLine(problems.Count == 0 ? $"  files        {manifest.Files.Count} files match their SHA-256" : $"  files        {problems.Count} problem(s):");
        }

        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"{Path.Combine(directory, problem)}: error WMQ3401: artifact does not match its manifest");
        }

        return problems.Count == 0 ? ExitCodes.Passed : ExitCodes.InvalidInput;
    }

    private static int InspectFile(string path, bool json)
    {
        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Open(path);
        }
        catch (SafetensorsFormatException e)
        {
            Console.Error.WriteLine($"{path}: error WMQ3002: {e.Message}");
            return ExitCodes.InvalidInput;
        }

        using (file)
        {
            var tensors = file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    metadata = file.Metadata,
                    tensors = tensors.Select(t => new { name = t.Name, dtype = t.DType.ToString(), shape = t.Shape, bytes = t.ByteLength }),
                }, Indented));
                return ExitCodes.Passed;
            }

            var inv = CultureInfo.InvariantCulture;
            int packed = tensors.Count(t => t.Name.EndsWith(".weight_packed", StringComparison.Ordinal));
            Console.WriteLine(string.Create(inv, $"{path}: {tensors.Count} tensors, {tensors.Sum(t => t.ByteLength):N0} bytes, {packed} packed Linear(s)"));
            foreach (var (key, value) in file.Metadata.Where(m => !m.Value.Contains('\n', StringComparison.Ordinal)).OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"  meta  {key} = {value}");
            }

            foreach (var t in tensors)
            {
                Console.WriteLine(string.Create(inv, $"  {t.Name,-60} {t.DType,-8} [{string.Join(", ", t.Shape)}]"));
            }
        }

        return ExitCodes.Passed;
    }
}
