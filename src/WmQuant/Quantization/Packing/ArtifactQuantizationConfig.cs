using System.Text;
using System.Text.Json;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Packing;

/// <summary>One quantized layer as the artifact's metadata describes it.</summary>
/// <param name="Name">Full layer name (the tensor prefix).</param>
/// <param name="Weights">Weight settings; null when only the input is quantized.</param>
/// <param name="Activations">Input settings; null when only the weight is quantized.</param>
public sealed record ArtifactLayerSpec(string Name, WeightQuantConfig? Weights, ActivationQuantConfig? Activations);

/// <summary>
/// The quantization config an artifact carries in its safetensors <c>__metadata__</c> under
/// <see cref="MetadataKey"/>: a JSON object shaped after compressed-tensors' quantization_config (config_groups with
/// explicit layer-name targets, weights and input_activations blocks, an ignore list), plus the method, format version
/// and bit layout. Written with a fixed key order, so equal configs give equal bytes.
/// </summary>
/// <param name="FormatVersion">Artifact format version.</param>
/// <param name="Method">Method that produced the weights and ranges ("rtn", "omse").</param>
/// <param name="Layers">Every quantized layer, in model order.</param>
/// <param name="Ignore">Quantizable layers left in float, in model order.</param>
public sealed record ArtifactQuantizationConfig(int FormatVersion, string Method, IReadOnlyList<ArtifactLayerSpec> Layers, IReadOnlyList<string> Ignore)
{
    /// <summary>The metadata key holding the JSON.</summary>
    public const string MetadataKey = "wmq.quantization";

    /// <summary>The current artifact format version.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The config of a quantization result.</summary>
    public static ArtifactQuantizationConfig From(ModelQuantizationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new ArtifactQuantizationConfig(
            CurrentFormatVersion,
            result.Method,
            [.. result.Layers.Where(l => !l.Settings.IsFloat).Select(l => new ArtifactLayerSpec(l.Name, l.Settings.Weights, l.Settings.Activations))],
            result.FloatLayers);
    }

    /// <summary>Compact JSON with a fixed key order; layers with equal settings share one config group (groups in order of first use).</summary>
    public string ToJson()
    {
        var groups = new List<(WeightQuantConfig? Weights, ActivationQuantConfig? Activations, List<string> Targets)>();
        foreach (var layer in Layers)
        {
            var group = groups.FindIndex(g => Equals(g.Weights, layer.Weights) && Equals(g.Activations, layer.Activations));
            if (group < 0)
            {
                groups.Add((layer.Weights, layer.Activations, [layer.Name]));
            }
            else
            {
                groups[group].Targets.Add(layer.Name);
            }
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("format_version", FormatVersion);
            json.WriteString("format", QuantizationMetadata.Format);
            json.WriteString("bit_layout", QuantizationMetadata.BitLayout);
            json.WriteString("method", Method);
            json.WriteStartObject("config_groups");
            for (int i = 0; i < groups.Count; i++)
            {
                json.WriteStartObject($"group_{i}");
                json.WriteStartArray("targets");
                foreach (string target in groups[i].Targets)
                {
                    json.WriteStringValue(target);
                }

                json.WriteEndArray();
                WriteWeights(json, groups[i].Weights);
                WriteActivations(json, groups[i].Activations);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteStartArray("ignore");
            foreach (string name in Ignore)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads <see cref="ToJson"/>'s output; null with a message naming the bad entry otherwise.</summary>
    public static ArtifactQuantizationConfig? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            int version = root.GetProperty("format_version").GetInt32();
            if (version != CurrentFormatVersion)
            {
                error = $"{MetadataKey}: format_version {version}, this tool reads {CurrentFormatVersion}";
                return null;
            }

            string format = root.GetProperty("format").GetString() ?? string.Empty;
            string layout = root.GetProperty("bit_layout").GetString() ?? string.Empty;
            if (format != QuantizationMetadata.Format || layout != QuantizationMetadata.BitLayout)
            {
                error = $"{MetadataKey}: format '{format}' / bit_layout '{layout}' is not '{QuantizationMetadata.Format}' / '{QuantizationMetadata.BitLayout}'";
                return null;
            }

            var layers = new List<ArtifactLayerSpec>();
            foreach (var group in root.GetProperty("config_groups").EnumerateObject())
            {
                var weights = ReadWeights(group.Value.GetProperty("weights"), group.Name);
                var activations = ReadActivations(group.Value.GetProperty("input_activations"), group.Name);
                layers.AddRange(group.Value.GetProperty("targets").EnumerateArray().Select(t => new ArtifactLayerSpec(t.GetString()!, weights, activations)));
            }

            var duplicate = layers.GroupBy(l => l.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                error = $"{MetadataKey}: layer '{duplicate.Key}' is the target of more than one config group";
                return null;
            }

            var ignore = root.GetProperty("ignore").EnumerateArray().Select(e => e.GetString()!).ToList();
            return new ArtifactQuantizationConfig(version, root.GetProperty("method").GetString() ?? string.Empty, layers, ignore);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            error = $"{MetadataKey}: {e.Message}";
            return null;
        }
    }

    private static void WriteWeights(Utf8JsonWriter json, WeightQuantConfig? weights)
    {
        if (weights is null)
        {
            json.WriteNull("weights");
            return;
        }

        json.WriteStartObject("weights");
        json.WriteNumber("num_bits", weights.Bits);
        json.WriteString("type", "int");
        json.WriteString("strategy", weights.Granularity switch
        {
            WeightGranularity.PerTensor => "tensor",
            WeightGranularity.PerChannel => "channel",
            _ => "group",
        });
        json.WriteNumber("group_size", weights.GroupSize);
        json.WriteBoolean("symmetric", weights.Symmetric);
        json.WriteString("scale_dtype", weights.ScaleStorage == ScaleStorage.Float16 ? "float16" : "float32");
        json.WriteEndObject();
    }

    private static void WriteActivations(Utf8JsonWriter json, ActivationQuantConfig? activations)
    {
        if (activations is null)
        {
            json.WriteNull("input_activations");
            return;
        }

        json.WriteStartObject("input_activations");
        json.WriteNumber("num_bits", activations.Bits);
        json.WriteString("type", "int");
        bool dynamic = activations.Granularity == ActivationGranularity.PerTokenDynamic;
        json.WriteString("strategy", dynamic ? "token" : "tensor");
        json.WriteBoolean("dynamic", dynamic);
        json.WriteBoolean("symmetric", activations.Symmetric);
        json.WriteEndObject();
    }

    private static WeightQuantConfig? ReadWeights(JsonElement element, string group)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var granularity = element.GetProperty("strategy").GetString() switch
        {
            "tensor" => WeightGranularity.PerTensor,
            "channel" => WeightGranularity.PerChannel,
            "group" => WeightGranularity.PerGroup,
            var other => throw new FormatException($"{group}.weights.strategy '{other}' is not tensor, channel or group"),
        };
        var storage = element.GetProperty("scale_dtype").GetString() switch
        {
            "float16" => ScaleStorage.Float16,
            "float32" => ScaleStorage.Float32,
            var other => throw new FormatException($"{group}.weights.scale_dtype '{other}' is not float16 or float32"),
        };
        var config = new WeightQuantConfig(element.GetProperty("num_bits").GetInt32(), granularity, element.GetProperty("group_size").GetInt32(), element.GetProperty("symmetric").GetBoolean(), storage);
        return config.IsBypass ? throw new FormatException($"{group}.weights: 16 bits is float, which belongs in 'ignore' (or null weights)") : config;
    }

    private static ActivationQuantConfig? ReadActivations(JsonElement element, string group)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var granularity = element.GetProperty("strategy").GetString() switch
        {
            "tensor" => ActivationGranularity.PerTensorStatic,
            "token" => ActivationGranularity.PerTokenDynamic,
            var other => throw new FormatException($"{group}.input_activations.strategy '{other}' is not tensor or token"),
        };
        if (element.GetProperty("dynamic").GetBoolean() != (granularity == ActivationGranularity.PerTokenDynamic))
        {
            throw new FormatException($"{group}.input_activations: only per-token ranges are dynamic and only per-tensor ranges static here");
        }

        var config = new ActivationQuantConfig(element.GetProperty("num_bits").GetInt32(), granularity, element.GetProperty("symmetric").GetBoolean());
        return config.IsBypass ? throw new FormatException($"{group}.input_activations: 16 bits is float, which is written as null") : config;
    }
}
