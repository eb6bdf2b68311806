using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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

/// <summary>What a quantized artifact carries besides the weights (all optional) and how its weights are split.</summary>
public sealed record ArtifactWriteOptions
{
    /// <summary>The planner's action and proprio statistics (the FP model's normalization.json), so the folder alone plans.</summary>
    public NormalizationRecord? Normalization { get; init; }

    /// <summary>The method's options as the registry describes them (name to int, double or bool).</summary>
    public IReadOnlyList<KeyValuePair<string, object>>? MethodOptions { get; init; }

    /// <summary>Free-form strings recorded under <c>wmq.notes</c> (e.g. the recipe's hash).</summary>
    public IReadOnlyDictionary<string, string>? Notes { get; init; }

    /// <summary>Tensor bytes per safetensors file before the weights are sharded (default 2 GB: one file for any model here).</summary>
    public long MaxShardBytes { get; init; } = SafetensorsShards.DefaultMaxShardBytes;
}

/// <summary>One file of an artifact: name in the folder, SHA-256 (lowercase hex) and size.</summary>
/// <param name="Name">Plain file name.</param>
/// <param name="Sha256">SHA-256 of the bytes.</param>
/// <param name="Bytes">Size in bytes.</param>
public sealed record ArtifactFileEntry(string Name, string Sha256, long Bytes);

/// <summary>An artifact's files in memory (weights first, config.json last) and its size report.</summary>
/// <param name="Files">The files.</param>
/// <param name="Size">Sizes and effective bits.</param>
public sealed record SerializedArtifact(IReadOnlyList<SafetensorsFileBytes> Files, ArtifactSize Size)
{
    /// <summary>Name, hash and size of every file.</summary>
    public IReadOnlyList<ArtifactFileEntry> Entries =>
        [.. Files.Select(f => new ArtifactFileEntry(f.FileName, Convert.ToHexStringLower(SHA256.HashData(f.Bytes)), f.Bytes.LongLength))];

    /// <summary>The artifact's digest (<see cref="QuantizedModelArtifact.Digest(IEnumerable{ArtifactFileEntry})"/>).</summary>
    public string Digest => QuantizedModelArtifact.Digest(Entries);
}

/// <summary>A written artifact: where, its files, its size and its digest.</summary>
/// <param name="Folder">The artifact folder.</param>
/// <param name="Files">config.json and the weight files (one safetensors file, or shards and their index).</param>
/// <param name="Size">Sizes and effective bits.</param>
/// <param name="Sha256">The artifact's digest over all its files (<see cref="QuantizedModelArtifact.Digest(IEnumerable{ArtifactFileEntry})"/>).</param>
public sealed record ArtifactWriteResult(string Folder, IReadOnlyList<ArtifactFileEntry> Files, ArtifactSize Size, string Sha256);

/// <summary>A model rebuilt from an artifact, or every reason it could not be.</summary>
/// <param name="Model">The model with dequantized weights and input quantizers installed; the caller owns it.</param>
/// <param name="Config">The artifact's quantization config.</param>
/// <param name="Problems">Every problem found (empty on success).</param>
public sealed record ArtifactLoadResult(DinoWorldModel? Model, ArtifactQuantizationConfig? Config, IReadOnlyList<string> Problems)
{
    /// <summary>True when <see cref="Model"/> is usable.</summary>
    public bool Ok => Model is not null;

    /// <summary>config.json as read (model config YAML, normalization, method options, notes), when it could be read.</summary>
    public ArtifactConfigFile? Description { get; init; }

    /// <summary>The model config the model was built from (the caller's, or config.json's).</summary>
    public WorldModelConfig? ModelConfig { get; init; }

    /// <summary>The planner's normalization statistics recorded in the artifact, or null when it carries none.</summary>
    public NormalizationRecord? Normalization => Description?.Normalization;

    /// <summary>The artifact folder.</summary>
    public string? Folder { get; init; }

    /// <summary>The artifact's files read (config.json and the weight files), by name.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}

/// <summary>
/// The quantized model as a folder that other tools can read and that alone rebuilds the model:
/// <list type="bullet">
/// <item><c>config.json</c> (<see cref="ArtifactConfigFile"/>): compressed-tensors' <c>quantization_config</c>
/// (pack-quantized) and wmq's facts (model config, normalization, method and options);</item>
/// <item>the tensors in <c>model.safetensors</c>, or, above <see cref="ArtifactWriteOptions.MaxShardBytes"/>, in
/// <c>model-0000k-of-0000n.safetensors</c> with <c>model.safetensors.index.json</c>: per weight-quantized layer the
/// compressed-tensors tensors of <see cref="PackedLinearWeight"/>; per static input quantizer
/// <c>{layer}.input_scale</c> F32 [1] and, asymmetric only, <c>{layer}.input_zero_point</c> I8 [1] (the signed zero
/// point z − 2^(b−1), as compressed-tensors stores it); every other parameter as fp32 under its state-dict name;
/// <c>__metadata__</c> = {format: pt} (config.json is the one description: no copy in the weights).</item>
/// </list>
/// Loading gives back the evaluated fake-quant model bit for bit. Same model and result, same bytes in every file.
/// </summary>
public static class QuantizedModelArtifact
{
    /// <summary>Name suffix of a static input scale.</summary>
    public const string InputScaleName = "input_scale";

    /// <summary>Name suffix of a static input zero point.</summary>
    public const string InputZeroPointName = "input_zero_point";

    /// <summary>Base name of the weight files.</summary>
    public const string WeightsBaseName = "model";

    /// <summary>The metadata key format 1 artifacts kept their quantization config in (recognised to explain the refusal).</summary>
    private const string FormatOneMetadataKey = "wmq.quantization";

    /// <summary>The unsharded weights file, <c>model.safetensors</c>.</summary>
    public static string WeightsFileName => SafetensorsShards.SingleFileName(WeightsBaseName);

    /// <summary>The index of sharded weights, <c>model.safetensors.index.json</c>.</summary>
    public static string IndexFileName => SafetensorsShards.IndexFileName(WeightsBaseName);

    /// <summary>Writes the artifact of <paramref name="model"/>, quantized as <paramref name="result"/> says, into <paramref name="folder"/>.</summary>
    /// <remarks>
    /// Each file is replaced atomically, weights first and config.json last; weight files of an earlier write that this
    /// one does not have (a single file replaced by shards, or the reverse) are removed. Other files in the folder stay.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The model's weights are no longer the ones the result describes (changed after quantization), or a quantized layer has no codes.</exception>
    public static ArtifactWriteResult Write(string folder, DinoWorldModel model, ModelQuantizationResult result, ArtifactWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (File.Exists(folder))
        {
            throw new ArgumentException($"{folder} is a file; an artifact is written into a folder", nameof(folder));
        }

        var serialized = Serialize(model, result, options);
        var weights = serialized.Files.Where(f => f.FileName != ArtifactConfigFile.FileName).ToList();
        var config = serialized.Files.Single(f => f.FileName == ArtifactConfigFile.FileName);
        SafetensorsShards.Write(folder, WeightsBaseName, weights);
        AtomicFileReplacement.Write(Path.Combine(folder, config.FileName), stream => stream.Write(config.Bytes));
        var entries = serialized.Entries;
        return new ArtifactWriteResult(folder, entries, serialized.Size, Digest(entries));
    }

    /// <summary>The artifact's files in memory (what <see cref="Write"/> stores) and its size report.</summary>
    /// <exception cref="InvalidOperationException">As for <see cref="Write"/>.</exception>
    public static SerializedArtifact Serialize(DinoWorldModel model, ModelQuantizationResult result, ArtifactWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(result);
        options ??= new ArtifactWriteOptions();
        using var scope = NewDisposeScope();
        var layers = model.QuantizableLayersByName();
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
                var activations = record.Settings.Activations!;
                tensors[Key(record.Name, InputScaleName)] = tensor(new[] { parameters.Scale }, [1], ScalarType.Float32);
                if (parameters.ZeroPoint is { } zero)
                {
                    int signed = checked((int)zero) - (1 << (activations.Bits - 1));
                    tensors[Key(record.Name, InputZeroPointName)] = tensor(new[] { checked((sbyte)signed) }, [1], ScalarType.Int8);
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

        var entries = SafetensorsTorch.ToEntries(tensors);
        long tensorBytes = entries.Sum(e => (long)e.Data.Length);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        var weightFiles = SafetensorsShards.Serialize(WeightsBaseName, entries, metadata, options.MaxShardBytes);
        var config = new ArtifactConfigFile(
            ArtifactQuantizationConfig.From(result),
            WorldModelConfigYaml.Serialize(model.Config),
            options.Normalization,
            options.MethodOptions is { } methodOptions ? ArtifactConfigFile.OptionsObject(methodOptions) : null,
            options.Notes ?? new Dictionary<string, string>());
        long fileBytes = weightFiles.Where(f => f.FileName.EndsWith(".safetensors", StringComparison.Ordinal)).Sum(f => f.Bytes.LongLength);
        var size = new ArtifactSize(layerSizes, fp32Bytes, tensorBytes, fileBytes);
        return new SerializedArtifact([.. weightFiles, new SafetensorsFileBytes(ArtifactConfigFile.FileName, config.ToBytes())], size);
    }

    /// <summary>
    /// Rebuilds the quantized model from an artifact: <paramref name="path"/> is the folder or any file in it (config.json,
    /// model.safetensors, the index). The model config is <paramref name="config"/> when given, else config.json's. Every
    /// tensor is read and checked (see <see cref="PackedLinearWeight.Read"/>, plus shapes against the model, input scales
    /// and zero points, missing and unexpected tensors) before anything is installed; every problem comes back as a
    /// line naming the file and tensor, and nothing throws for a bad artifact.
    /// </summary>
    public static ArtifactLoadResult Load(string path, WorldModelConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? folder = Directory.Exists(path) ? Path.GetFullPath(path) : File.Exists(path) ? Path.GetDirectoryName(Path.GetFullPath(path)) : null;
        if (folder is null)
        {
            return Failed($"{path}: artifact not found");
        }

        string configPath = Path.Combine(folder, ArtifactConfigFile.FileName);
        if (!File.Exists(configPath))
        {
            return Failed(WithoutConfig(folder));
        }

        var info = new FileInfo(configPath);
        if (info.Length > ArtifactConfigFile.MaxBytes)
        {
            return Failed($"{configPath}: {info.Length} bytes, over the limit of {ArtifactConfigFile.MaxBytes}");
        }

        var description = ArtifactConfigFile.Parse(File.ReadAllBytes(configPath), out string? configError);
        if (description is null)
        {
            return Failed($"{configPath}: {configError}");
        }

        var quantization = description.Quantization;
        if (config is null)
        {
            var parsed = WorldModelConfigYaml.Parse(description.ModelConfigYaml, configPath + "#wmq.model_config");
            if (parsed.Config is null)
            {
                return new ArtifactLoadResult(null, quantization, parsed.Problems) { Description = description, Folder = folder };
            }

            config = parsed.Config;
        }

        var (weightsPath, files, weightsProblem) = WeightsOf(folder);
        if (weightsProblem is not null)
        {
            return new ArtifactLoadResult(null, quantization, [weightsProblem]) { Description = description, ModelConfig = config, Folder = folder };
        }

        var model = DinoWorldModel.CreateForLoading(config);
        try
        {
            // config.json lists layers group by group; give them back in model order (unknown names last).
            var order = model.NamedQuantizableLayers().Select((l, i) => (l.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
            quantization = quantization with
            {
                Layers = [.. quantization.Layers.OrderBy(l => order.GetValueOrDefault(l.Name, int.MaxValue))],
                Ignore = [.. quantization.Ignore.OrderBy(n => order.GetValueOrDefault(n, int.MaxValue))],
            };
            var problems = Populate(model, weightsPath!, quantization);
            if (problems.Count > 0)
            {
                model.Dispose();
                model = null;
            }

            return new ArtifactLoadResult(model, quantization, problems)
            {
                Description = description, ModelConfig = config, Folder = folder, Files = files,
            };
        }
        catch
        {
            model?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The artifact's model files in <paramref name="folder"/>, by name in ordinal order: config.json and the weights
    /// (model.safetensors, or the index and the shards it names). A problem when config.json or the weights are missing.
    /// </summary>
    public static (IReadOnlyList<string> Files, string? Problem) ModelFiles(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!File.Exists(Path.Combine(folder, ArtifactConfigFile.FileName)))
        {
            return ([], WithoutConfig(folder));
        }

        var (_, weights, problem) = WeightsOf(folder);
        return ([.. weights.Append(ArtifactConfigFile.FileName).Order(StringComparer.Ordinal)], problem);
    }

    /// <summary>
    /// The artifact's digest: SHA-256 of the lines "name sha256" of every model file (sorted by name), after a
    /// "wmq-artifact-v2" line. Equal digests mean the same files with the same bytes (so a sharded copy of an artifact has
    /// another digest than the single-file one).
    /// </summary>
    public static string Digest(IEnumerable<ArtifactFileEntry> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var text = new StringBuilder("wmq-artifact-v2\n");
        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{file.Name} {file.Sha256}\n");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The digest of the artifact in <paramref name="folder"/> (its <see cref="ModelFiles"/> hashed from disk).</summary>
    /// <exception cref="InvalidDataException">The folder holds no complete artifact.</exception>
    public static string Digest(string folder)
    {
        var (files, problem) = ModelFiles(folder);
        return problem is null
            ? Digest(files.Select(f => Path.Combine(folder, f))
                .Select(f => new ArtifactFileEntry(Path.GetFileName(f), FileHashes.Sha256(f), new FileInfo(f).Length)))
            : throw new InvalidDataException(problem);
    }

    private static string WithoutConfig(string folder)
    {
        string single = Path.Combine(folder, WeightsFileName);
        try
        {
            if (File.Exists(single))
            {
                using var file = SafetensorsFile.Open(single);
                if (file.Metadata.ContainsKey(FormatOneMetadataKey))
                {
                    return $"{folder}: an artifact of wmq's format 1 ({WeightsFileName} with '{FormatOneMetadataKey}' metadata, " +
                        $"no {ArtifactConfigFile.FileName}); " +
                        "its 3, 5, 6 and 7-bit codes use the old dense bit stream, so it is not read: quantize the model again";
                }
            }
        }
        catch (SafetensorsFormatException)
        {
            // Reported below as what it is not.
        }

        return $"{folder}: no {ArtifactConfigFile.FileName}: not a quantized artifact (a float checkpoint loads with WorldModelCheckpoint)";
    }

    private static (string? Path, IReadOnlyList<string> Files, string? Problem) WeightsOf(string folder)
    {
        string single = Path.Combine(folder, WeightsFileName);
        string index = Path.Combine(folder, IndexFileName);
        bool hasSingle = File.Exists(single);
        bool hasIndex = File.Exists(index);
        if (hasSingle && hasIndex)
        {
            return (null, [], $"{folder}: both {WeightsFileName} and {IndexFileName} are present; an artifact has one or the other");
        }

        if (hasSingle)
        {
            return (single, [WeightsFileName], null);
        }

        if (!hasIndex)
        {
            return (null, [], $"{folder}: no weights ({WeightsFileName} or {IndexFileName})");
        }

        try
        {
            using var set = SafetensorsShardSet.Open(index);
            return (index, [IndexFileName, .. set.Files.Select(f => Path.GetFileName(f.Path))], null);
        }
        catch (Exception e) when (e is SafetensorsFormatException or IOException)
        {
            return (null, [], e.Message);
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
        catch (Exception e) when (e is SafetensorsFormatException or IOException)
        {
            return [$"{path}: not readable safetensors weights: {e.Message}"];
        }

        var layers = model.QuantizableLayersByName();
        var problems = new List<string>();
        foreach (var unknown in quantization.Layers.Select(l => l.Name).Concat(quantization.Ignore).Where(n => !layers.ContainsKey(n)))
        {
            problems.Add($"{path}: the quantization config names layer '{unknown}', which the model config does not have");
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        // The tensors each layer's settings account for; everything else must be a float parameter of the model.
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in quantization.Layers)
        {
            if (spec.Weights is not null)
            {
                string[] suffixes =
                    [PackedLinearWeight.PackedName, PackedLinearWeight.ScaleName, PackedLinearWeight.ZeroPointName, PackedLinearWeight.ShapeName];
                claimed.UnionWith(suffixes.Select(s => Key(spec.Name, s)));
            }

            if (spec.Activations is { Granularity: ActivationGranularity.PerTensorStatic })
            {
                claimed.UnionWith([Key(spec.Name, InputScaleName), Key(spec.Name, InputZeroPointName)]);
            }
        }

        var floatTensors = tensors.Where(p => !claimed.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var packedWeights = quantization.Layers.Where(l => l.Weights is not null).Select(l => l.Name + ".weight").ToHashSet(StringComparer.Ordinal);
        var expected = model.state_dict().Where(p => !packedWeights.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        problems.AddRange(StateDictCheck.Problems(expected, floatTensors).Select(p => $"{path}: {p}"));
        var installs = new List<Action>();
        foreach (var spec in quantization.Layers)
        {
            var layerProblems = new List<string>();
            var install = PrepareLayer(layers[spec.Name], spec, tensors, model.Dtype, layerProblems);
            problems.AddRange(layerProblems.Select(p => $"{path}: {p}"));
            if (install is not null)
            {
                installs.Add(install);
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

    /// <summary>
    /// Reads and checks one layer's tensors; returns the action that installs them (run only when the whole artifact
    /// checked out), or null with problems.
    /// </summary>
    private static Action? PrepareLayer(
        IQuantizableLayer layer, ArtifactLayerSpec spec, Dictionary<string, Tensor> tensors, ScalarType dtype, List<string> problems)
    {
        Tensor? weight = null;
        if (spec.Weights is { } weights)
        {
            using var packed = PackedLinearWeight.Read(tensors, spec.Name, weights, problems);
            if (packed is not null && (packed.Rows != layer.OutFeatures || packed.Columns != layer.InFeatures))
            {
                problems.Add($"{Key(spec.Name, PackedLinearWeight.ShapeName)} is [{packed.Rows}, {packed.Columns}] " +
                    $"but the model's layer is [{layer.OutFeatures}, {layer.InFeatures}]");
            }
            else if (packed is not null)
            {
                using var codes = WeightPacker.Unpack(packed, dtype);
                weight = WeightQuantizer.Dequantize(codes);
            }
        }

        ActivationFakeQuantizer? quantizer = null;
        if (spec.Activations is { } activations)
        {
            if (activations.Granularity == ActivationGranularity.PerTokenDynamic)
            {
                quantizer = new ActivationFakeQuantizer(activations);
            }
            else if (ReadStaticParameters(tensors, spec.Name, activations, problems) is { } parameters)
            {
                quantizer = ActivationFakeQuantizer.FromParameters(activations, parameters);
            }
        }

        if (problems.Count > 0)
        {
            return null;
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

    private static StaticActivationParameters? ReadStaticParameters(
        Dictionary<string, Tensor> tensors, string layer, ActivationQuantConfig config, List<string> problems)
    {
        string scaleKey = Key(layer, InputScaleName);
        string zeroKey = Key(layer, InputZeroPointName);
        int before = problems.Count;
        float scaleValue = 0;
        if (!tensors.TryGetValue(scaleKey, out var scale) || scale.dtype != ScalarType.Float32 || !scale.shape.SequenceEqual([1L]))
        {
            problems.Add($"{scaleKey} (float32 [1]) is missing or malformed");
        }
        else
        {
            scaleValue = scale.item<float>();
            if (!(scaleValue > 0) || !float.IsFinite(scaleValue))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{scaleKey} = {scaleValue} is not a finite positive scale"));
            }
        }

        float? zero = null;
        if (!config.Symmetric)
        {
            int offset = 1 << (config.Bits - 1);
            if (!tensors.TryGetValue(zeroKey, out var zeroTensor) || zeroTensor.dtype != ScalarType.Int8 || !zeroTensor.shape.SequenceEqual([1L]))
            {
                problems.Add($"{zeroKey} (int8 [1]) is missing or malformed for asymmetric {config}");
            }
            else
            {
                int signed = zeroTensor.item<sbyte>();
                if (signed < -offset || signed >= offset)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{zeroKey} = {signed} is outside the signed {config.Bits}-bit range [{-offset}, {offset - 1}]"));
                }

                zero = signed + offset;
            }
        }
        else if (tensors.ContainsKey(zeroKey))
        {
            problems.Add($"{zeroKey} is present but {config} is symmetric");
        }

        return problems.Count > before ? null : new StaticActivationParameters(scaleValue, zero);
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

        PackedLinearWeight packed;
        try
        {
            packed = WeightPacker.Pack(codes);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{name}: {e.Message}", e);
        }

        foreach (var (key, value) in packed.ToTensors(name))
        {
            tensors[key] = value;
        }

        sizes.Add(new ArtifactLayerSize(name, codes.Config.Bits, packed.Rows * packed.Columns, packed.StorageBits));
    }

    private static ArtifactLoadResult Failed(params string[] problems) => new(null, null, problems);

    private static string Key(string prefix, string name) => prefix + "." + name;
}
