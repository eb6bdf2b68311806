using System.Diagnostics;
using System.Text.Json;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Pipeline.Caching;
using WmQuant.Pipeline.Inputs;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Recipes;
using static TorchSharp.torch;

namespace WmQuant.Pipeline.Stages;

/// <summary>A quantized model as the pipeline keeps it: the packed file, its per-layer record and sizes.</summary>
/// <param name="PackedPath">The packed safetensors file (in the stage cache).</param>
/// <param name="PackedSha256">Its hash: keys the quantized model's evaluation.</param>
/// <param name="Layers">Per quantized layer: settings and errors.</param>
/// <param name="Sizes">Sizes versus fp32.</param>
/// <param name="Seconds">Time the quantization took when it was computed.</param>
public sealed record QuantizedModel(string PackedPath, string PackedSha256, IReadOnlyList<LayerEntry> Layers, SizeInfo Sizes, double Seconds);

/// <summary>Quantizes a fresh copy of the recipe's model with the recipe's method and packs it, cached by the hash of its inputs.</summary>
public static class QuantizationStage
{
    private const string PackedFileName = "model.safetensors";
    private const string RecordFileName = "quantization.json";

    /// <summary>Whether this build can run the recipe's quantization; a message for the user when not.</summary>
    public static (bool Ok, string? Problem) Check(Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var spec = recipe.Quantization;
        if (spec.Method is not (QuantizationMethod.Rtn or QuantizationMethod.Omse))
        {
            return (false, $"quantization.method '{spec.Method.ToString().ToLowerInvariant()}' is not implemented yet; use rtn or omse");
        }

        if (spec.Activations is { Bits: < 16, Granularity: ActivationGranularity.PerTensor })
        {
            return (false, "per-tensor (static) activation quantization needs calibration, which this build does not run yet; use granularity per-token");
        }

        return (true, null);
    }

    /// <summary>Quantizes (or reuses the cached result) and returns the packed model.</summary>
    public static (QuantizedModel Model, bool Cached) Run(StageCache cache, Recipe recipe, string modelSha256, string toolVersion, Device device)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(recipe);
        var spec = recipe.Quantization with
        {
            Modules = [.. recipe.Quantization.Modules.Select(m => m with { Position = default })],
        };
        string key = StageCache.KeyOf("quantize", new { modelSha256, spec, toolVersion });
        var (directory, hit) = cache.GetOrCreate("quantize", key, folder =>
        {
            var clock = Stopwatch.StartNew();
            using var model = Quantize(recipe, device, out var layers);
            long fp32Bytes = FloatBytes(recipe);
            var sizes = PackedModelFile.Write(Path.Combine(folder, PackedFileName), model.Model, layers, fp32Bytes);
            var entries = layers.Select(l => new LayerEntry(
                l.Name,
                l.Report.Bits,
                l.Report.Granularity.ToString(),
                l.Report.Granularity == Quantization.Primitives.WeightGranularity.PerGroup ? l.Report.GroupSize : 0,
                RecipeQuantizationPlan.Activations(recipe.Quantization.Activations)?.ToString() ?? "float",
                l.Report.WeightMse,
                l.Report.OutputMse)).ToList();
            foreach (var layer in layers)
            {
                layer.Codes?.Dispose();
            }

            var record = new StageRecord(entries, sizes, Math.Round(clock.Elapsed.TotalSeconds, 3));
            File.WriteAllText(Path.Combine(folder, RecordFileName), JsonSerializer.Serialize(record, ArtifactManifest.JsonOptions));
        });
        string packed = Path.Combine(directory, PackedFileName);
        var stored = JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(Path.Combine(directory, RecordFileName)), ArtifactManifest.JsonOptions)!;
        return (new QuantizedModel(packed, TrainedModel.FileSha256(packed), stored.Layers, stored.Sizes, stored.Seconds), hit);
    }

    /// <summary>
    /// The fake-quant model evaluation plans with: the recipe's model quantized in memory exactly as the packed file
    /// was made (same code, same inputs, deterministic).
    /// </summary>
    public static TrainedModel Quantize(Recipe recipe, Device device, out IReadOnlyList<QuantizedLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var loaded = TrainedModel.Load(recipe.Model.Checkpoint, recipe.Model.Config);
        var model = loaded.Model ?? throw new InvalidDataException(string.Join("; ", loaded.Problems));
        try
        {
            model.Model.MoveTo(device, ScalarType.Float32);
            IWeightQuantMethod method = recipe.Quantization.Method == QuantizationMethod.Omse ? new OmseWeightMethod() : new RtnWeightMethod();
            layers = WorldModelQuantizer.Apply(model.Model, RecipeQuantizationPlan.From(recipe.Quantization), method);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static long FloatBytes(Recipe recipe)
    {
        using var file = IO.Safetensors.SafetensorsFile.Open(recipe.Model.Checkpoint);
        return file.Tensors.Sum(t => t.ElementCount * 4);
    }

    private sealed record StageRecord(IReadOnlyList<LayerEntry> Layers, SizeInfo Sizes, double Seconds);
}
