using System.Text.Json;
using System.Text.Json.Nodes;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.IO.Safetensors;
using WmQuant.Models.Checkpoints;

namespace WmQuant.Quantization.Packing;

/// <summary>
/// <c>config.json</c> of a quantized artifact, the one description of it: <c>quantization_config</c> in
/// compressed-tensors' vocabulary (what other tools read: see <see cref="ArtifactQuantizationConfig"/>) and wmq's own
/// facts under <c>wmq</c>: format_version, method, method_options, model_config (the model config YAML, enough to
/// build the network), normalization (the planner's action and proprio statistics, or null), notes (caller strings,
/// e.g. a recipe hash) and weight_scale_dtype per config group. With the weights beside it, the folder alone rebuilds
/// the quantized model. Written with sorted keys, two-space indent and a final newline; same inputs, same bytes.
/// </summary>
/// <param name="Quantization">The quantization settings per layer.</param>
/// <param name="ModelConfigYaml">The model config as YAML (<c>WorldModelConfigYaml</c>).</param>
/// <param name="Normalization">The planner statistics, when known.</param>
/// <param name="MethodOptions">The method's options (option name to number or boolean), when known.</param>
/// <param name="Notes">Free-form strings from the caller.</param>
public sealed record ArtifactConfigFile(
    ArtifactQuantizationConfig Quantization,
    string ModelConfigYaml,
    NormalizationRecord? Normalization,
    JsonObject? MethodOptions,
    IReadOnlyDictionary<string, string> Notes)
{
    /// <summary>The file name beside the weights.</summary>
    public const string FileName = "config.json";

    /// <summary>Largest config.json read (a hostile-input bound far above any real one).</summary>
    public const long MaxBytes = 64L << 20;

    /// <summary>
    /// The note holding the SHA-256 of the float checkpoint the artifact was quantized from: what ties a re-gated release
    /// to the checkpoint its FP baseline is measured on.
    /// </summary>
    public const string SourceModelNote = "source_model_sha256";

    /// <summary>The source checkpoint's SHA-256 (<see cref="SourceModelNote"/>), or null when the writer recorded none.</summary>
    public string? SourceModelSha256 => Notes.TryGetValue(SourceModelNote, out string? sha) && sha.Length > 0 ? sha : null;

    /// <summary>True when the weights were quantized in activation order: gptq with act_order (compressed-tensors' actorder "weight").</summary>
    public bool ActOrder => Quantization.Method == "gptq" && MethodOptions?["act_order"] is JsonValue flag && flag.TryGetValue(out bool on) && on;

    /// <summary>The file's bytes.</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, SafetensorsShards.PythonStyle))
        {
            json.WriteStartObject();
            json.WritePropertyName("quantization_config");
            Quantization.WriteQuantizationConfig(json, ActOrder);
            json.WriteStartObject("wmq");
            json.WriteNumber("format_version", Quantization.FormatVersion);
            json.WriteString("method", Quantization.Method);
            json.WritePropertyName("method_options");
            if (MethodOptions is null)
            {
                json.WriteNullValue();
            }
            else
            {
                MethodOptions.WriteTo(json);
            }

            json.WriteString("model_config", ModelConfigYaml);
            json.WritePropertyName("normalization");
            WriteNormalization(json, Normalization);
            json.WriteStartObject("notes");
            foreach (var (key, value) in Notes.OrderBy(n => n.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WritePropertyName("weight_scale_dtype");
            Quantization.WriteScaleDtypes(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>Method options as a JSON object with sorted keys (values int, long, double, bool or string).</summary>
    public static JsonObject OptionsObject(IEnumerable<KeyValuePair<string, object>> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new JsonObject();
        foreach (var (key, value) in options.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            result[key] = value switch
            {
                int whole => JsonValue.Create(whole),
                long whole => JsonValue.Create(whole),
                double real => JsonValue.Create(real),
                bool flag => JsonValue.Create(flag),
                string text => JsonValue.Create(text),
                _ => throw new ArgumentException(
                    $"option {key} has a value of type {value?.GetType().Name}; options are numbers, booleans or strings", nameof(options)),
            };
        }

        return result;
    }

    /// <summary>
    /// Reads <c>config.json</c> of the artifact in <paramref name="folder"/> under the path policy (inside
    /// <paramref name="boundary"/> when given, a regular file of at most <see cref="MaxBytes"/>): the description, or a
    /// diagnostic at the file saying why it cannot be used.
    /// </summary>
    public static (ArtifactConfigFile? Config, Diagnostic? Problem) Read(string folder, RepositoryBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string path = Path.Combine(folder, FileName);
        var limits = InputLimits.Manifest with { What = "artifact " + FileName, MaxBytes = MaxBytes };
        var (bytes, problem) = BoundedText.ReadBytes(path, limits, boundary);
        if (bytes is null)
        {
            return (null, problem);
        }

        var config = Parse(bytes, out string? error);
        return config is null
            ? (null, Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, Path.GetFullPath(path), $"not a usable artifact {FileName}: {error}"))
            : (config, null);
    }

    /// <summary>Parses the file's bytes; null with a message naming the entry at fault otherwise.</summary>
    public static ArtifactConfigFile? Parse(byte[] bytes, out string? error)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the root is not a JSON object";
                return null;
            }

            if (!root.TryGetProperty("quantization_config", out var quantization))
            {
                error = "no quantization_config: not a quantized artifact";
                return null;
            }

            if (!root.TryGetProperty("wmq", out var wmq) || wmq.ValueKind != JsonValueKind.Object)
            {
                error = "no 'wmq' object (format_version, model_config, …): not written by wmq, so the model cannot be rebuilt from it";
                return null;
            }

            if (!wmq.TryGetProperty("format_version", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out int formatVersion) || formatVersion != ArtifactQuantizationConfig.CurrentFormatVersion)
            {
                string found = version.ValueKind == JsonValueKind.Undefined ? "missing" : version.GetRawText();
                error = $"wmq.format_version is {found}; this tool reads {ArtifactQuantizationConfig.CurrentFormatVersion}";
                return null;
            }

            string? method = StringOrNull(wmq, "method");
            string? yaml = StringOrNull(wmq, "model_config");
            if (method is null || yaml is null)
            {
                error = $"wmq.{(method is null ? "method" : "model_config")} is missing or not a string";
                return null;
            }

            var scaleDtypes = wmq.TryGetProperty("weight_scale_dtype", out var dtypes) ? dtypes : default;
            var config = ArtifactQuantizationConfig.Parse(quantization, scaleDtypes, method, formatVersion, out error);
            if (config is null)
            {
                return null;
            }

            var normalization = ReadNormalization(wmq, out error);
            if (error is not null)
            {
                return null;
            }

            JsonObject? options = null;
            if (wmq.TryGetProperty("method_options", out var optionsElement) && optionsElement.ValueKind != JsonValueKind.Null)
            {
                options = optionsElement.ValueKind == JsonValueKind.Object ? JsonNode.Parse(optionsElement.GetRawText())!.AsObject() : null;
                if (options is null)
                {
                    error = "wmq.method_options is not an object";
                    return null;
                }
            }

            var notes = new Dictionary<string, string>(StringComparer.Ordinal);
            if (wmq.TryGetProperty("notes", out var notesElement) && notesElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var note in notesElement.EnumerateObject())
                {
                    notes[note.Name] = note.Value.ValueKind == JsonValueKind.String ? note.Value.GetString()! : note.Value.GetRawText();
                }
            }

            return new ArtifactConfigFile(config, yaml, normalization, options, notes);
        }
        catch (JsonException e)
        {
            error = $"not valid JSON: {e.Message}";
            return null;
        }
    }

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteNormalization(Utf8JsonWriter json, NormalizationRecord? normalization)
    {
        if (normalization is null)
        {
            json.WriteNullValue();
            return;
        }

        json.WriteStartObject();
        WriteArray(json, "action_mean", normalization.ActionMean);
        WriteArray(json, "action_std", normalization.ActionStd);
        WriteArray(json, "proprio_mean", normalization.ProprioMean);
        WriteArray(json, "proprio_std", normalization.ProprioStd);
        json.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (double value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    private static NormalizationRecord? ReadNormalization(JsonElement wmq, out string? error)
    {
        error = null;
        if (!wmq.TryGetProperty("normalization", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        double[]? Read(string name)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var values = new List<double>();
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out double value) || !double.IsFinite(value))
                {
                    return null;
                }

                values.Add(value);
            }

            return [.. values];
        }

        var (actionMean, actionStd, proprioMean, proprioStd) = (Read("action_mean"), Read("action_std"), Read("proprio_mean"), Read("proprio_std"));
        if (actionMean is null || actionStd is null || proprioMean is null || proprioStd is null)
        {
            error = "wmq.normalization needs action_mean, action_std, proprio_mean and proprio_std arrays of finite numbers";
            return null;
        }

        return new NormalizationRecord(actionMean, actionStd, proprioMean, proprioStd);
    }
}
