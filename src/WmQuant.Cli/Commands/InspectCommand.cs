using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.IO.Safetensors;
using WmQuant.Pipeline.Artifacts;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq inspect`: <see cref="ArtifactInspection"/> of an artifact folder (its manifest verified, and a per-layer table of
/// its model files) or a safetensors file, as text or JSON.
/// </summary>
internal static class InspectCommand
{
    /// <summary>The command line of an inspection, read once.</summary>
    private sealed record Options(string Path, bool Json);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "An artifact folder (with manifest.json), a manifest.json, or a .safetensors file." };
        var json = new Option<bool>("--json")
        {
            Description = "Print JSON: for an artifact {artifact, manifest, quantization: the per-layer summary, problems}; for a file its tensor table.",
        };
        var command = new Command("inspect", "Describe an artifact (and verify every file against its manifest) or a safetensors checkpoint.");
        command.Arguments.Add(path);
        command.Options.Add(json);
        command.SetAction(parse => Handle(parse, new Options(parse.GetValue(path)!, parse.GetValue(json))));
        return command;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var result = ArtifactInspection.Inspect(options.Path);
        if (result.ArtifactDirectory is { } folder && (result.Manifest is not null || result.Summary is not null))
        {
            if (options.Json)
            {
                PrintArtifactJson(parse.Out(), folder, result);
            }
            else
            {
                if (result.Manifest is { } manifest)
                {
                    PrintArtifact(parse.Out(), manifest, result.Problems.Count);
                }
                else
                {
                    parse.Out().WriteLine($"{folder}: quantized model files without {ArtifactManifest.FileName} (not verified against one)");
                }

                if (result.Summary is { } summary)
                {
                    PrintLayers(parse.Out(), summary);
                }
            }
        }
        else if (result.File is { } file)
        {
            PrintFile(parse.Out(), file, options.Json);
        }

        return parse.ExitWith(result.Problems);
    }

    /// <summary>One object: the folder, its manifest (null without one) and the per-layer summary (null when the model files cannot be read).</summary>
    private static void PrintArtifactJson(TextWriter output, string folder, ArtifactInspectionResult result)
    {
        var options = ArtifactManifest.JsonOptions;
        var root = new JsonObject
        {
            ["artifact"] = folder,
            ["manifest"] = result.Manifest is null ? null : JsonSerializer.SerializeToNode(result.Manifest, options),
            ["quantization"] = result.Summary is null ? null : JsonSerializer.SerializeToNode(result.Summary, options),
            ["problems"] = result.Problems.Count,
        };
        output.WriteLine(root.ToJsonString(options));
    }

    /// <summary>The per-layer table (as ModelOpt's print_quant_summary): settings from config.json, bytes from the weights' headers.</summary>
    private static void PrintLayers(TextWriter output, ArtifactQuantizationSummary summary)
    {
        var inv = CultureInfo.InvariantCulture;
        string ignored = summary.Ignored.Count == 0 ? "" : $": {string.Join(", ", summary.Ignored)}";
        output.WriteLine(string.Create(inv,
            $"  layers       {summary.Layers.Count} quantized ({summary.QuantMethod} {summary.Format}, {summary.Method}), {summary.Ignored.Count} kept in float{ignored}"));
        int width = Math.Max("layer".Length, summary.Layers.Select(l => l.Name.Length).DefaultIfEmpty(0).Max());
        output.WriteLine($"  {"layer".PadRight(width)}  bits  strategy  group  sym  method  input acts       scale     packed bytes  weight mse  rel out err");
        foreach (var l in summary.Layers)
        {
            string bits = l.Bits?.ToString(inv) ?? "-";
            string group = l.GroupSize?.ToString(inv) ?? "-";
            string sym = l.Symmetric is { } s ? (s ? "yes" : "no") : "-";
            // Errors are measured when quantizing and recorded in the manifest only: "-" for a bare folder or an unmeasured layer.
            string mse = l.WeightMse?.ToString("0.00e+00", inv) ?? "-";
            string relative = l.RelativeOutputError is { } r ? (r * 100).ToString("0.00", inv) + "%" : "-";
            output.WriteLine(string.Create(inv,
                $"  {l.Name.PadRight(width)}  {bits,4}  {l.Strategy ?? "-",-8}  {group,5}  {sym,-3}  {l.Method,-6}  {l.InputActivations,-15}  {l.ScaleDtype ?? "-",-8}  {l.PackedBytes,12:N0}  {mse,10}  {relative,11}"));
        }

        output.WriteLine(string.Create(inv, $"  {"total".PadRight(width)}  {"",4}  {"",-8}  {"",5}  {"",-3}  {"",-6}  {"",-15}  {"",-8}  {summary.QuantizedLayerBytes,12:N0}"));
        output.WriteLine(string.Create(inv,
            $"  tensors      {summary.TotalTensorBytes:N0} bytes in all ({summary.QuantizedLayerBytes:N0} in quantized layers, the rest float parameters)"));
    }

    private static void PrintArtifact(TextWriter output, ArtifactManifest manifest, int problems)
    {
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
