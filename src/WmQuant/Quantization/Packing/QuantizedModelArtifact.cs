using WmQuant.IO;
using WmQuant.IO.Safetensors;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Packing;

/// <summary>A written artifact: where, its size, and its SHA-256.</summary>
/// <param name="Path">The safetensors file.</param>
/// <param name="Size">Sizes and effective bits.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the file.</param>
public sealed record ArtifactWriteResult(string Path, ArtifactSize Size, string Sha256);

/// <summary>A model rebuilt from an artifact, or every reason it could not be.</summary>
/// <param name="Model">The model with dequantized weights and input quantizers installed; the caller owns it.</param>
/// <param name="Config">The artifact's quantization config.</param>
/// <param name="Problems">Every problem found (empty on success).</param>
public sealed record ArtifactLoadResult(DinoWorldModel? Model, ArtifactQuantizationConfig? Config, IReadOnlyList<string> Problems)
{
    /// <summary>True when <see cref="Model"/> is usable.</summary>
    public bool Ok => Model is not null;
}

/// <summary>
/// The packed model file: one safetensors file holding every weight-quantized layer in compressed-tensors'
/// pack-quantized layout (<c>{layer}.weight_packed</c>, <c>.weight_scale</c>, <c>.weight_zero_point</c> when
/// asymmetric, <c>.weight_shape</c>), static input quantizers as <c>{layer}.input_scale</c> (F32 [1]) and
/// <c>{layer}.input_zero_point</c> (U8 [1], asymmetric only), every other parameter as fp32 under its state-dict
/// name, and in <c>__metadata__</c> the model config YAML and the quantization config JSON
/// (<see cref="ArtifactQuantizationConfig"/>). Loading it gives back the evaluated fake-quant model bit for bit.
/// Bytes are deterministic: tensors sorted, metadata keys sorted, no timestamps.
/// </summary>
public static class QuantizedModelArtifact
{
    /// <summary>Name suffix of a static input scale.</summary>
    public const string InputScaleName = "input_scale";

    /// <summary>Name suffix of a static input zero point.</summary>
    public const string InputZeroPointName = "input_zero_point";

    private static readonly string[] PackedSuffixes =
        [PackedLinearWeight.PackedName, PackedLinearWeight.ScaleName, PackedLinearWeight.ZeroPointName, PackedLinearWeight.ShapeName, InputScaleName, InputZeroPointName];

    /// <summary>Writes the artifact of <paramref name="model"/>, quantized as <paramref name="result"/> says, atomically to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The model's weights are no longer the ones the result describes (changed after quantization), or a quantized layer has no codes.</exception>
    public static ArtifactWriteResult Write(string path, DinoWorldModel model, ModelQuantizationResult result, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = Serialize(model, result, out var size, extraMetadata);
        AtomicFileReplacement.Write(path, stream => stream.Write(bytes));
        return new ArtifactWriteResult(path, size, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    /// <summary>The artifact's bytes in memory (what <see cref="Write"/> stores), and its size report.</summary>
    public static byte[] Serialize(DinoWorldModel model, ModelQuantizationResult result, out ArtifactSize size, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(result);
        using var scope = NewDisposeScope();
        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer, StringComparer.Ordinal);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var replacedWeights = new HashSet<string>(StringComparer.Ordinal);
        var layerSizes = new List<ArtifactLayerSize>();
        foreach (var record in result.Layers.Where(l => !l.Settings.IsFloat))
        {
            if (!layers.TryGetValue(record.Name, out var layer))
            {
                throw new InvalidOperationException($"the result names layer {record.Name}, which this model does not have");
            }

            if (record.Settings.Weights is not null)
            {
                var codes = record.Codes ?? throw new InvalidOperationException($"layer {record.Name} is weight-quantized but its method kept no codes to pack");
                AddPacked(tensors, record.Name, layer, codes, layerSizes);
                replacedWeights.Add(record.Name + ".weight");
            }

            if (record.InputQuantizer?.StaticParameters is { } parameters)
            {
                tensors[Key(record.Name, InputScaleName)] = tensor(new[] { parameters.Scale }, ScalarType.Float32);
                if (parameters.ZeroPoint is { } zero)
                {
                    tensors[Key(record.Name, InputZeroPointName)] = tensor(new[] { checked((byte)zero) }, ScalarType.Byte);
                }
            }
        }

        long fp32Bytes = 0;
        foreach (var (name, value) in model.state_dict())
        {
            fp32Bytes += value.numel() * 4;
            if (!replacedWeights.Contains(name))
            {
                tensors[name] = value.is_floating_point() ? value.detach().to(ScalarType.Float32, CPU) : value.detach().cpu();
            }
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            metadata[key] = value;
        }

        metadata["format"] = "pt";
        metadata[WorldModelCheckpoint.ConfigMetadataKey] = WorldModelConfigYaml.Serialize(model.Config);
        metadata[ArtifactQuantizationConfig.MetadataKey] = ArtifactQuantizationConfig.From(result).ToJson();
        var entries = SafetensorsTorch.ToEntries(tensors);
        long tensorBytes = entries.Sum(e => (long)e.Data.Length);
        byte[] bytes = SafetensorsWriter.Serialize(entries, metadata);
        size = new ArtifactSize(layerSizes, fp32Bytes, tensorBytes, bytes.LongLength);
        return bytes;
    }

    /// <summary>
    /// Rebuilds the quantized model. The model config is <paramref name="config"/> when given, else the one in the
    /// file's metadata, else the YAML beside the file. Every problem comes back as a line; nothing throws for a bad file.
    /// </summary>
    public static ArtifactLoadResult Load(string path, WorldModelConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return Failed($"{path}: artifact not found");
        }

        Dictionary<string, string> metadata;
        try
        {
            using var file = SafetensorsFile.Open(path);
            metadata = new Dictionary<string, string>(file.Metadata, StringComparer.Ordinal);
        }
        catch (SafetensorsFormatException e)
        {
            return Failed($"{path}: not a readable safetensors file: {e.Message}");
        }

        if (!metadata.TryGetValue(ArtifactQuantizationConfig.MetadataKey, out var json))
        {
            return Failed($"{path}: no '{ArtifactQuantizationConfig.MetadataKey}' metadata: not a quantized artifact (a float checkpoint loads with WorldModelCheckpoint)");
        }

        var quantization = ArtifactQuantizationConfig.Parse(json, out string? configError);
        if (quantization is null)
        {
            return Failed($"{path}: {configError}");
        }

        if (config is null)
        {
            config = ReadModelConfig(path, metadata, out var configProblems);
            if (config is null)
            {
                return Failed([.. configProblems]);
            }
        }

        var model = DinoWorldModel.CreateForLoading(config);
        try
        {
            var problems = Populate(model, path, quantization);
            if (problems.Count > 0)
            {
                model.Dispose();
                return new ArtifactLoadResult(null, quantization, problems);
            }

            return new ArtifactLoadResult(model, quantization, []);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static List<string> Populate(DinoWorldModel model, string path, ArtifactQuantizationConfig quantization)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        try
        {
            tensors = SafetensorsTorch.Load(path);
        }
        catch (SafetensorsFormatException e)
        {
            return [$"{path}: not a readable safetensors file: {e.Message}"];
        }

        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var unknown in quantization.Layers.Select(l => l.Name).Concat(quantization.Ignore).Where(n => !layers.ContainsKey(n)))
        {
            problems.Add($"{path}: the quantization config names layer '{unknown}', which the model config does not have");
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        var packedPrefixes = quantization.Layers.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var floatTensors = tensors
            .Where(p => !(PackedSuffixes.Any(s => p.Key.EndsWith("." + s, StringComparison.Ordinal)) && packedPrefixes.Contains(p.Key[..p.Key.LastIndexOf('.')])))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var expected = model.state_dict()
            .Where(p => !quantization.Layers.Any(l => l.Weights is not null && p.Key == l.Name + ".weight"))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        problems.AddRange(StateDictCheck.Problems(expected, floatTensors).Select(p => $"{path}: {p}"));
        var installs = new List<Action>();
        foreach (var spec in quantization.Layers)
        {
            try
            {
                installs.Add(PrepareLayer(layers[spec.Name], spec, tensors, model.Dtype));
            }
            catch (InvalidDataException e)
            {
                problems.Add($"{path}: {e.Message}");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        using (no_grad())
        {
            foreach (var (key, value) in expected)
            {
                value.copy_(floatTensors[key]);
            }
        }

        foreach (var install in installs)
        {
            install();
        }

        return problems;
    }

    /// <summary>Reads and checks one layer's tensors; returns the action that installs them (run only when the whole file checked out).</summary>
    private static Action PrepareLayer(IQuantizableLayer layer, ArtifactLayerSpec spec, Dictionary<string, Tensor> tensors, ScalarType dtype)
    {
        Tensor? weight = null;
        if (spec.Weights is { } weights)
        {
            using var packed = PackedLinearWeight.FromTensors(tensors, spec.Name, weights);
            if (packed.Rows != layer.OutFeatures || packed.Columns != layer.InFeatures)
            {
                throw new InvalidDataException($"{Key(spec.Name, PackedLinearWeight.ShapeName)} is [{packed.Rows}, {packed.Columns}] but the model's layer is [{layer.OutFeatures}, {layer.InFeatures}]");
            }

            using var codes = WeightPacker.Unpack(packed, dtype);
            weight = WeightQuantizer.Dequantize(codes);
        }

        ActivationFakeQuantizer? quantizer = null;
        if (spec.Activations is { } activations)
        {
            quantizer = activations.Granularity == ActivationGranularity.PerTokenDynamic
                ? new ActivationFakeQuantizer(activations)
                : ActivationFakeQuantizer.FromParameters(activations, ReadStaticParameters(tensors, spec.Name, activations));
        }

        return () =>
        {
            if (weight is not null)
            {
                layer.SetWeight(weight);
            }

            layer.InputTransform = quantizer?.AsTransform();
        };
    }

    private static StaticActivationParameters ReadStaticParameters(Dictionary<string, Tensor> tensors, string layer, ActivationQuantConfig config)
    {
        string scaleKey = Key(layer, InputScaleName);
        string zeroKey = Key(layer, InputZeroPointName);
        if (!tensors.TryGetValue(scaleKey, out var scale) || scale.dtype != ScalarType.Float32 || scale.numel() != 1)
        {
            throw new InvalidDataException($"{scaleKey} (float32 [1]) is missing or malformed");
        }

        float scaleValue = scale.item<float>();
        if (!(scaleValue > 0) || !float.IsFinite(scaleValue))
        {
            throw new InvalidDataException($"{scaleKey} = {scaleValue} is not a positive finite scale");
        }

        float? zero = null;
        if (!config.Symmetric)
        {
            if (!tensors.TryGetValue(zeroKey, out var zeroTensor) || zeroTensor.dtype != ScalarType.Byte || zeroTensor.numel() != 1)
            {
                throw new InvalidDataException($"{zeroKey} (uint8 [1]) is missing or malformed for asymmetric {config}");
            }

            zero = zeroTensor.item<byte>();
            if (zero > config.MaxCode)
            {
                throw new InvalidDataException($"{zeroKey} = {zero} exceeds the largest {config.Bits}-bit code");
            }
        }
        else if (tensors.ContainsKey(zeroKey))
        {
            throw new InvalidDataException($"{zeroKey} is present but {config} is symmetric");
        }

        return new StaticActivationParameters(scaleValue, zero);
    }

    private static void AddPacked(Dictionary<string, Tensor> tensors, string name, IQuantizableLayer layer, QuantizedWeight codes, List<ArtifactLayerSize> sizes)
    {
        // The artifact must reload to the model as evaluated: refuse if the weight moved since quantization.
        using (var check = NewDisposeScope())
        {
            var expected = WeightQuantizer.Dequantize(codes, ScalarType.Float32).to(layer.WeightMatrix.device);
            if (!expected.shape.SequenceEqual(layer.WeightMatrix.shape) || !expected.to_type(layer.WeightMatrix.dtype).eq(layer.WeightMatrix.detach()).all().item<bool>())
            {
                throw new InvalidOperationException($"the weight of {name} is not the fake-quant weight its codes give (was the model changed after quantization?)");
            }
        }

        var packed = WeightPacker.Pack(codes);
        foreach (var (key, value) in packed.ToTensors(name))
        {
            tensors[key] = value;
        }

        sizes.Add(new ArtifactLayerSize(name, codes.Config.Bits, packed.Rows * packed.Columns, packed.StorageBits));
    }

    private static WorldModelConfig? ReadModelConfig(string path, Dictionary<string, string> metadata, out IReadOnlyList<string> problems)
    {
        ConfigParseResult parsed;
        if (metadata.TryGetValue(WorldModelCheckpoint.ConfigMetadataKey, out var yaml))
        {
            parsed = WorldModelConfigYaml.Parse(yaml, path + "#" + WorldModelCheckpoint.ConfigMetadataKey);
        }
        else if (File.Exists(WorldModelCheckpoint.ConfigPathFor(path)))
        {
            parsed = WorldModelConfigYaml.Load(WorldModelCheckpoint.ConfigPathFor(path));
        }
        else
        {
            parsed = new ConfigParseResult(null, [$"{path}: no model config: neither metadata '{WorldModelCheckpoint.ConfigMetadataKey}' nor {WorldModelCheckpoint.ConfigPathFor(path)}"]);
        }

        problems = parsed.Problems;
        return parsed.Config;
    }

    private static ArtifactLoadResult Failed(params string[] problems) => new(null, null, problems);

    private static string Key(string prefix, string name) => prefix + "." + name;
}
