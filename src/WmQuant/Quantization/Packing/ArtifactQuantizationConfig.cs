using System.Globalization;
using System.Text.Json;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Packing;

/// <summary>One quantized layer as the artifact's config describes it.</summary>
/// <param name="Name">Full layer name (the tensor prefix and the compressed-tensors target).</param>
/// <param name="Weights">Weight settings; null when only the input is quantized.</param>
/// <param name="Activations">Input settings; null when only the weight is quantized.</param>
public sealed record ArtifactLayerSpec(string Name, WeightQuantConfig? Weights, ActivationQuantConfig? Activations);

/// <summary>One compressed-tensors config group: layers sharing settings.</summary>
/// <param name="Name">"group_0", "group_1", … in order of first use.</param>
/// <param name="Weights">Weight settings, or null.</param>
/// <param name="Activations">Input settings, or null.</param>
/// <param name="Targets">Layer names, in model order.</param>
public sealed record ArtifactConfigGroup(string Name, WeightQuantConfig? Weights, ActivationQuantConfig? Activations, IReadOnlyList<string> Targets);

/// <summary>
/// How an artifact's layers are quantized: written to <c>config.json</c> as compressed-tensors'
/// <c>quantization_config</c> (quant_method "compressed-tensors", format "pack-quantized", config_groups with explicit
/// layer-name targets and QuantizationArgs for weights and input_activations, ignore) plus, in wmq's own block, the
/// method and each group's weight scale dtype (compressed-tensors' QuantizationArgs forbid extra keys, and the scale
/// dtype is not one of theirs). Written with a fixed key order (sorted, as Hugging Face writes config.json), so equal
/// configs give equal bytes.
/// </summary>
/// <remarks>
/// Mapping: weights {num_bits, type "int", symmetric, strategy "tensor" | "channel" | "group", group_size only for
/// "group" (null otherwise: compressed-tensors rejects a group size with any other strategy), dynamic false, observer,
/// actorder}; input_activations {num_bits, type "int", symmetric, strategy "tensor" with dynamic false (static ranges)
/// or "token" with dynamic true (ranges computed per token at run time, observer null)}. The observer names how
/// ranges were chosen: "minmax" for rtn and gptq, "mse" for the clip searches of omse (weights and static inputs) and
/// awq (weights), null for other methods. actorder is "weight" (act-order over columns, groups kept contiguous, no
/// g_idx) for gptq with act_order on per-group weights, null otherwise.
/// </remarks>
/// <param name="FormatVersion">wmq artifact format version.</param>
/// <param name="Method">Method that produced the weights and ranges ("rtn", "omse", "awq", "gptq").</param>
/// <param name="Layers">Every quantized layer: in model order from a result or a loaded artifact, group by group as parsed from config.json.</param>
/// <param name="Ignore">Quantizable layers left in float, in model order.</param>
public sealed record ArtifactQuantizationConfig(int FormatVersion, string Method, IReadOnlyList<ArtifactLayerSpec> Layers, IReadOnlyList<string> Ignore)
{
    /// <summary>
    /// The current artifact format version (2: compressed-tensors packing for every bit width and config.json; 1 was the
    /// dense bit stream).
    /// </summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>compressed-tensors' quant_method.</summary>
    public const string QuantMethod = "compressed-tensors";

    /// <summary>compressed-tensors' format of packed integer weights.</summary>
    public const string Format = "pack-quantized";

    /// <summary>The config of a quantization result (weight settings normalised: see <see cref="Normalize"/>).</summary>
    public static ArtifactQuantizationConfig From(ModelQuantizationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new ArtifactQuantizationConfig(
            CurrentFormatVersion,
            result.Method,
            [.. result.Quantized.Select(l => new ArtifactLayerSpec(l.Name, Normalize(l.Settings.Weights), l.Settings.Activations))],
            result.FloatLayers);
    }

    /// <summary>
    /// The settings as an artifact can state them: the group size means nothing outside per-group quantization, so it
    /// is reset to the default there (what reading the config back gives).
    /// </summary>
    public static WeightQuantConfig? Normalize(WeightQuantConfig? weights) =>
        weights is null || weights.Granularity == WeightGranularity.PerGroup ? weights : weights with { GroupSize = DefaultGroupSize };

    /// <summary>Layers with equal settings share a group; groups are numbered in order of first use, targets in model order.</summary>
    public IReadOnlyList<ArtifactConfigGroup> Groups()
    {
        var groups = new List<(WeightQuantConfig? Weights, ActivationQuantConfig? Activations, List<string> Targets)>();
        foreach (var layer in Layers)
        {
            var weights = Normalize(layer.Weights);
            int group = groups.FindIndex(g => Equals(g.Weights, weights) && Equals(g.Activations, layer.Activations));
            if (group < 0)
            {
                groups.Add((weights, layer.Activations, [layer.Name]));
            }
            else
            {
                groups[group].Targets.Add(layer.Name);
            }
        }

        return [.. groups.Select((g, i) => new ArtifactConfigGroup(GroupName(i), g.Weights, g.Activations, g.Targets))];
    }

    /// <summary>Writes the <c>quantization_config</c> object (the value, not its key).</summary>
    /// <param name="json">The writer.</param>
    /// <param name="actOrder">True when the weights were quantized in activation order (gptq act_order).</param>
    internal void WriteQuantizationConfig(Utf8JsonWriter json, bool actOrder)
    {
        json.WriteStartObject();
        json.WriteStartObject("config_groups");
        foreach (var group in Groups())
        {
            json.WriteStartObject(group.Name);
            WriteActivations(json, group.Activations);
            json.WriteNull("output_activations");
            json.WriteStartArray("targets");
            foreach (string target in group.Targets)
            {
                json.WriteStringValue(target);
            }

            json.WriteEndArray();
            WriteWeights(json, group.Weights, actOrder);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteString("format", Format);
        json.WriteNull("global_compression_ratio");
        json.WriteStartArray("ignore");
        foreach (string name in Ignore)
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
        json.WriteNull("kv_cache_scheme");
        json.WriteString("quant_method", QuantMethod);
        json.WriteString("quantization_status", "compressed");
        json.WriteEndObject();
    }

    /// <summary>Writes wmq's per-group weight scale dtypes, <c>{"group_0": "float16", …}</c> (groups with weights only).</summary>
    internal void WriteScaleDtypes(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        foreach (var group in Groups().Where(g => g.Weights is not null))
        {
            json.WriteString(group.Name, ScaleDtypeName(group.Weights!.ScaleStorage));
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// Reads a <c>quantization_config</c> object and wmq's scale dtypes back; null with a message naming the entry
    /// (e.g. <c>quantization_config.config_groups.group_0.weights.group_size</c>) otherwise. Accepts what this tool
    /// writes and what compressed-tensors would write for the same settings; refuses what this tool cannot rebuild
    /// exactly (float types, block or tensor_group strategies, g_idx act-order, output activations, kv-cache schemes,
    /// class or regex targets are reported as layers the model does not have).
    /// </summary>
    internal static ArtifactQuantizationConfig? Parse(
        JsonElement quantization, JsonElement scaleDtypes, string method, int formatVersion, out string? error)
    {
        try
        {
            Expect(quantization, JsonValueKind.Object, "quantization_config");
            string quantMethod = String(quantization, "quant_method", "quantization_config");
            string format = String(quantization, "format", "quantization_config");
            if (quantMethod != QuantMethod || format != Format)
            {
                throw new FormatException($"quantization_config: quant_method '{quantMethod}' / format '{format}' is not '{QuantMethod}' / '{Format}'");
            }

            if (quantization.TryGetProperty("kv_cache_scheme", out var kv) && kv.ValueKind != JsonValueKind.Null)
            {
                throw new FormatException("quantization_config.kv_cache_scheme: kv-cache quantization is not supported");
            }

            Expect(scaleDtypes, JsonValueKind.Object, "wmq.weight_scale_dtype");
            var layers = new List<ArtifactLayerSpec>();
            var groups = Property(quantization, "config_groups", "quantization_config");
            Expect(groups, JsonValueKind.Object, "quantization_config.config_groups");
            foreach (var group in groups.EnumerateObject())
            {
                string path = $"quantization_config.config_groups.{group.Name}";
                Expect(group.Value, JsonValueKind.Object, path);
                if (group.Value.TryGetProperty("output_activations", out var output) && output.ValueKind != JsonValueKind.Null)
                {
                    throw new FormatException($"{path}.output_activations: output quantization is not supported");
                }

                var storage = scaleDtypes.TryGetProperty(group.Name, out var dtype) && dtype.ValueKind == JsonValueKind.String
                    ? dtype.GetString()
                    : null;
                var weights = ReadWeights(group.Value, path, storage, $"wmq.weight_scale_dtype.{group.Name}");
                var activations = ReadActivations(group.Value, path);
                if (weights is null && activations is null)
                {
                    throw new FormatException($"{path}: neither weights nor input_activations are quantized (such layers belong in 'ignore')");
                }

                var targets = Property(group.Value, "targets", path);
                Expect(targets, JsonValueKind.Array, $"{path}.targets");
                foreach (var target in targets.EnumerateArray())
                {
                    Expect(target, JsonValueKind.String, $"{path}.targets");
                    layers.Add(new ArtifactLayerSpec(target.GetString()!, weights, activations));
                }
            }

            var duplicate = layers.GroupBy(l => l.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new FormatException($"quantization_config: layer '{duplicate.Key}' is the target of more than one config group");
            }

            var ignore = new List<string>();
            if (quantization.TryGetProperty("ignore", out var ignored) && ignored.ValueKind != JsonValueKind.Null)
            {
                Expect(ignored, JsonValueKind.Array, "quantization_config.ignore");
                foreach (var name in ignored.EnumerateArray())
                {
                    Expect(name, JsonValueKind.String, "quantization_config.ignore");
                    ignore.Add(name.GetString()!);
                }
            }

            error = null;
            return new ArtifactQuantizationConfig(formatVersion, method, layers, ignore);
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static int DefaultGroupSize { get; } = new WeightQuantConfig(4, WeightGranularity.PerGroup).GroupSize;

    private static string GroupName(int index) => string.Create(CultureInfo.InvariantCulture, $"group_{index}");

    private static string ScaleDtypeName(ScaleStorage storage) => storage == ScaleStorage.Float16 ? "float16" : "float32";

    private static string? WeightObserver(string method) => method switch
    {
        "rtn" or "gptq" => "minmax",
        "omse" or "awq" => "mse",
        _ => null,
    };

    private static string? InputObserver(string method) => method switch
    {
        "rtn" => "minmax",
        "omse" => "mse",
        _ => null,
    };

    private void WriteWeights(Utf8JsonWriter json, WeightQuantConfig? weights, bool actOrder)
    {
        if (weights is null)
        {
            json.WriteNull("weights");
            return;
        }

        bool grouped = weights.Granularity == WeightGranularity.PerGroup;
        json.WriteStartObject("weights");
        WriteOptionalString(json, "actorder", grouped && actOrder ? "weight" : null);
        json.WriteNull("block_structure");
        json.WriteBoolean("dynamic", false);
        if (grouped)
        {
            json.WriteNumber("group_size", weights.GroupSize);
        }
        else
        {
            json.WriteNull("group_size");
        }

        json.WriteNumber("num_bits", weights.Bits);
        WriteOptionalString(json, "observer", WeightObserver(Method));
        json.WriteStartObject("observer_kwargs");
        json.WriteEndObject();
        json.WriteString("strategy", weights.Granularity switch
        {
            WeightGranularity.PerTensor => "tensor",
            WeightGranularity.PerChannel => "channel",
            _ => "group",
        });
        json.WriteBoolean("symmetric", weights.Symmetric);
        json.WriteString("type", "int");
        json.WriteEndObject();
    }

    private void WriteActivations(Utf8JsonWriter json, ActivationQuantConfig? activations)
    {
        if (activations is null)
        {
            json.WriteNull("input_activations");
            return;
        }

        bool dynamic = activations.Granularity == ActivationGranularity.PerTokenDynamic;
        json.WriteStartObject("input_activations");
        json.WriteNull("actorder");
        json.WriteNull("block_structure");
        json.WriteBoolean("dynamic", dynamic);
        json.WriteNull("group_size");
        json.WriteNumber("num_bits", activations.Bits);
        WriteOptionalString(json, "observer", dynamic ? null : InputObserver(Method));
        json.WriteStartObject("observer_kwargs");
        json.WriteEndObject();
        json.WriteString("strategy", dynamic ? "token" : "tensor");
        json.WriteBoolean("symmetric", activations.Symmetric);
        json.WriteString("type", "int");
        json.WriteEndObject();
    }

    private static void WriteOptionalString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static WeightQuantConfig? ReadWeights(JsonElement group, string groupPath, string? scaleDtype, string scaleDtypePath)
    {
        if (!group.TryGetProperty("weights", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        string path = groupPath + ".weights";
        var (bits, symmetric) = CommonArgs(element, path);
        string strategy = String(element, "strategy", path);
        int? groupSize = element.TryGetProperty("group_size", out var size) && size.ValueKind != JsonValueKind.Null
            ? size.ValueKind == JsonValueKind.Number && size.TryGetInt32(out int value)
                ? value
                : throw new FormatException($"{path}.group_size: {size.GetRawText()} is not an integer")
            : null;
        if (element.TryGetProperty("dynamic", out var dynamic) && dynamic.ValueKind != JsonValueKind.False)
        {
            throw new FormatException($"{path}.dynamic: {dynamic.GetRawText()}; packed weights are static (false)");
        }

        if (element.TryGetProperty("block_structure", out var block) && block.ValueKind != JsonValueKind.Null)
        {
            throw new FormatException($"{path}.block_structure: block quantization is not supported");
        }

        if (element.TryGetProperty("actorder", out var actorder) && actorder.ValueKind is not (JsonValueKind.Null or JsonValueKind.False)
            && (actorder.ValueKind != JsonValueKind.String || actorder.GetString() is not ("weight" or "static")))
        {
            throw new FormatException(
                $"{path}.actorder: {actorder.GetRawText()} needs a g_idx permutation, which this tool does not read (null or \"weight\" only)");
        }

        var granularity = strategy switch
        {
            "tensor" => WeightGranularity.PerTensor,
            "channel" => WeightGranularity.PerChannel,
            "group" => WeightGranularity.PerGroup,
            _ => throw new FormatException($"{path}.strategy: '{strategy}' is not tensor, channel or group"),
        };
        if (granularity == WeightGranularity.PerGroup ? groupSize is not > 0 : groupSize is > 0)
        {
            throw new FormatException(granularity == WeightGranularity.PerGroup
                ? $"{path}.group_size: strategy 'group' needs a positive group_size"
                : $"{path}.group_size: {groupSize} is given for strategy '{strategy}' " +
                    "(compressed-tensors allows a group size only with strategy 'group')");
        }

        var storage = scaleDtype switch
        {
            "float16" => ScaleStorage.Float16,
            "float32" => ScaleStorage.Float32,
            _ => throw new FormatException($"{scaleDtypePath}: '{scaleDtype}' is not float16 or float32"),
        };
        return new WeightQuantConfig(bits, granularity, groupSize ?? DefaultGroupSize, symmetric, storage);
    }

    private static ActivationQuantConfig? ReadActivations(JsonElement group, string groupPath)
    {
        if (!group.TryGetProperty("input_activations", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        string path = groupPath + ".input_activations";
        var (bits, symmetric) = CommonArgs(element, path);
        string strategy = String(element, "strategy", path);
        bool dynamic = element.TryGetProperty("dynamic", out var flag) && flag.ValueKind == JsonValueKind.True;
        if (flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Undefined))
        {
            throw new FormatException($"{path}.dynamic: {flag.GetRawText()} is not true or false");
        }

        var granularity = (strategy, dynamic) switch
        {
            ("tensor", false) => ActivationGranularity.PerTensorStatic,
            ("token", true) => ActivationGranularity.PerTokenDynamic,
            _ => throw new FormatException(
                $"{path}: strategy '{strategy}' with dynamic {(dynamic ? "true" : "false")} is not supported (static 'tensor' or dynamic 'token')"),
        };
        return new ActivationQuantConfig(bits, granularity, symmetric);
    }

    private static (int Bits, bool Symmetric) CommonArgs(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path);
        string type = String(element, "type", path);
        if (type != "int")
        {
            throw new FormatException($"{path}.type: '{type}' is not supported (int only)");
        }

        var bits = Property(element, "num_bits", path);
        if (bits.ValueKind != JsonValueKind.Number || !bits.TryGetInt32(out int value) || value is < 2 or > 8)
        {
            throw new FormatException($"{path}.num_bits: {bits.GetRawText()} is not 2..8");
        }

        var symmetric = Property(element, "symmetric", path);
        if (symmetric.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new FormatException($"{path}.symmetric: {symmetric.GetRawText()} is not true or false");
        }

        return (value, symmetric.GetBoolean());
    }

    private static JsonElement Property(JsonElement element, string name, string path) =>
        element.TryGetProperty(name, out var value) ? value : throw new FormatException($"{path}.{name} is missing");

    private static string String(JsonElement element, string name, string path)
    {
        var value = Property(element, name, path);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{path}.{name}: {value.GetRawText()} is not a string");
    }

    private static void Expect(JsonElement element, JsonValueKind kind, string path)
    {
        if (element.ValueKind != kind)
        {
            throw new FormatException($"{path}: {element.ValueKind} where {kind} was expected");
        }
    }
}
