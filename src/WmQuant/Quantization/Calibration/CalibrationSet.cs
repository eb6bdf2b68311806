using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using WmQuant.IO;
using WmQuant.IO.Safetensors;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Calibration;

/// <summary>Where a calibration set came from: enough to tell whether a cached one still fits.</summary>
/// <param name="Key">Cache key (<see cref="CalibrationCacheKey"/>), when computed.</param>
/// <param name="ModelSha256">SHA-256 of the model file, when known.</param>
/// <param name="SettingsJson">Canonical settings (<see cref="CalibrationSettings.ToCanonicalJson"/>), when made by a planning run.</param>
/// <param name="EncodeCalls">Encoder calls observed during calibration.</param>
/// <param name="PredictCalls">Predictor rollouts observed during calibration.</param>
public sealed record CalibrationProvenance(string? Key, string? ModelSha256, string? SettingsJson, long EncodeCalls, long PredictCalls)
{
    /// <summary>Provenance of statistics gathered by hand (tests, notebooks): nothing known.</summary>
    public static CalibrationProvenance Unknown { get; } = new(null, null, null, 0, 0);
}

/// <summary>A loaded calibration set, or why none could be loaded (a missing, stale or damaged cache entry).</summary>
/// <param name="Set">The set when loading succeeded; the caller owns it.</param>
/// <param name="Problem">What was wrong otherwise.</param>
public sealed record CalibrationLoadResult(CalibrationSet? Set, string? Problem)
{
    /// <summary>True when <see cref="Set"/> is usable.</summary>
    public bool Ok => Set is not null;
}

/// <summary>
/// Per-layer input statistics recorded while the FP planner ran (running min/max, per-channel mean and max of |x|,
/// and a seeded reservoir of input tokens), with their provenance. Saves to and loads from a directory holding
/// <see cref="TensorsFileName"/> (the statistics) and <see cref="ManifestFileName"/> (what they are); the same set
/// always gives the same bytes.
/// </summary>
public sealed class CalibrationSet : IDisposable
{
    /// <summary>File holding the statistics as tensors.</summary>
    public const string TensorsFileName = "calibration.safetensors";

    /// <summary>File describing them (written last: its presence marks a complete save).</summary>
    public const string ManifestFileName = "calibration.json";

    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    /// <summary>Wraps statistics (the set takes ownership of them, and of the block inputs when given).</summary>
    public CalibrationSet(ActivationStatistics statistics, CalibrationProvenance? provenance = null, BlockInputSample? blockInputs = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        Statistics = statistics;
        Provenance = provenance ?? CalibrationProvenance.Unknown;
        BlockInputs = blockInputs;
    }

    /// <summary>The statistics per layer.</summary>
    public ActivationStatistics Statistics { get; }

    /// <summary>Where they came from.</summary>
    public CalibrationProvenance Provenance { get; }

    /// <summary>
    /// Sampled input sequences of the first encoder block and predictor layer, for block-wise methods; null when the
    /// calibration did not record them (<see cref="CalibrationSettings.BlockInputSamples"/> 0).
    /// </summary>
    public BlockInputSample? BlockInputs { get; }

    /// <summary>Observed layers, sorted.</summary>
    public IReadOnlyList<string> Layers => Statistics.Layers;

    /// <summary>One layer's statistics, or null when the layer was not recorded.</summary>
    public LayerActivationStatistics? TryGet(string layer) => Statistics.TryGet(layer);

    /// <summary>Whether every named layer has recorded inputs (so a plan over them can use this set).</summary>
    public bool Covers(IEnumerable<string> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        return layers.All(l => TryGet(l) is { TokensSeen: > 0 });
    }

    /// <summary>Writes the two files into <paramref name="directory"/> (created if needed; existing files replaced atomically).</summary>
    public void Save(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        byte[] tensors = SerializeTensors(out var float64Names);
        AtomicFileReplacement.Write(Path.Combine(directory, TensorsFileName), s => s.Write(tensors));
        byte[] manifest = Manifest(Convert.ToHexStringLower(SHA256.HashData(tensors)), float64Names);
        AtomicFileReplacement.Write(Path.Combine(directory, ManifestFileName), s => s.Write(manifest));
    }

    /// <summary>Reads a set saved by <see cref="Save"/>; problems (missing files, other format version, damaged tensors) come back as a message.</summary>
    public static CalibrationLoadResult Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string manifestPath = Path.Combine(directory, ManifestFileName);
        string tensorsPath = Path.Combine(directory, TensorsFileName);
        if (!File.Exists(manifestPath) || !File.Exists(tensorsPath))
        {
            return new CalibrationLoadResult(null, $"{directory}: no complete calibration set ({ManifestFileName} and {TensorsFileName} expected)");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
            var root = document.RootElement;
            int version = root.GetProperty("format_version").GetInt32();
            if (version != CalibrationSettings.FormatVersion)
            {
                return new CalibrationLoadResult(null, $"{manifestPath}: format version {version}, this tool reads {CalibrationSettings.FormatVersion}");
            }

            byte[] bytes = File.ReadAllBytes(tensorsPath);
            string expected = root.GetProperty("tensors_sha256").GetString() ?? string.Empty;
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != expected)
            {
                return new CalibrationLoadResult(null, $"{tensorsPath}: contents do not match the SHA-256 recorded in {ManifestFileName}");
            }

            var float64Names = root.GetProperty("float64_tensors").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal);
            var provenance = new CalibrationProvenance(
                OptionalString(root, "key"),
                OptionalString(root, "model_sha256"),
                root.TryGetProperty("settings", out var settings) && settings.ValueKind == JsonValueKind.Object ? settings.GetRawText() : null,
                root.GetProperty("encode_calls").GetInt64(),
                root.GetProperty("predict_calls").GetInt64());
            using var scope = NewDisposeScope();
            var loaded = SafetensorsTorch.Load(tensorsPath);
            var restored = loaded.ToDictionary(p => p.Key, p => float64Names.Contains(p.Key) ? FromBits(p.Value) : p.Value, StringComparer.Ordinal);
            var statistics = ActivationStatistics.FromTensors(restored);
            BlockInputSample? blockInputs;
            try
            {
                blockInputs = BlockInputSample.FromTensors(restored);
            }
            catch
            {
                statistics.Dispose();
                throw;
            }

            return new CalibrationLoadResult(new CalibrationSet(statistics, provenance, blockInputs), null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException or SafetensorsFormatException or IOException or FormatException or ArgumentException or NotSupportedException)
        {
            return new CalibrationLoadResult(null, $"{directory}: unreadable calibration set: {e.Message}");
        }
    }

    /// <summary>Frees the statistics and block inputs.</summary>
    public void Dispose()
    {
        Statistics.Dispose();
        BlockInputs?.Dispose();
    }

    private byte[] SerializeTensors(out List<string> float64Names)
    {
        using var scope = NewDisposeScope();
        var tensors = Statistics.ToTensors();
        if (BlockInputs is { } blockInputs)
        {
            foreach (var (key, value) in blockInputs.ToTensors())
            {
                tensors.Add(key, value);
            }
        }

        float64Names = [.. tensors.Where(p => p.Value.dtype == ScalarType.Float64).Select(p => p.Key).Order(StringComparer.Ordinal)];
        var names = float64Names;
        // safetensors here has no F64; float64 statistics travel as their exact bit patterns in I64.
        var storable = tensors.ToDictionary(p => p.Key, p => names.Contains(p.Key) ? ToBits(p.Value) : p.Value, StringComparer.Ordinal);
        var metadata = new Dictionary<string, string> { ["format"] = "wmq-calibration" };
        return SafetensorsWriter.Serialize(SafetensorsTorch.ToEntries(storable), metadata);
    }

    private byte[] Manifest(string tensorsSha256, List<string> float64Names)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Indented))
        {
            json.WriteStartObject();
            json.WriteNumber("format_version", CalibrationSettings.FormatVersion);
            WriteOptional(json, "key", Provenance.Key);
            WriteOptional(json, "model_sha256", Provenance.ModelSha256);
            if (Provenance.SettingsJson is { } settings)
            {
                json.WritePropertyName("settings");
                json.WriteRawValue(settings);
            }

            json.WriteNumber("encode_calls", Provenance.EncodeCalls);
            json.WriteNumber("predict_calls", Provenance.PredictCalls);
            json.WriteNumber("reservoir_capacity", Statistics.ReservoirCapacity);
            json.WriteString("reservoir_seed", Statistics.Seed.ToString(CultureInfo.InvariantCulture));
            json.WriteStartArray("layers");
            foreach (string layer in Statistics.Layers)
            {
                var stats = Statistics[layer];
                json.WriteStartObject();
                json.WriteString("name", layer);
                json.WriteNumber("channels", stats.Channels);
                json.WriteNumber("tokens_seen", stats.TokensSeen);
                WriteFinite(json, "min", stats.Min);
                WriteFinite(json, "max", stats.Max);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (BlockInputs is { } blocks)
            {
                // Only when recorded: sets without block inputs keep their bytes.
                json.WriteNumber("block_input_capacity", blocks.Capacity);
                json.WriteStartArray("block_inputs");
                foreach (var stream in blocks.Streams)
                {
                    json.WriteStartObject();
                    json.WriteString("block", stream.Block);
                    json.WriteNumber("tokens", stream.Tokens);
                    json.WriteNumber("width", stream.Width);
                    json.WriteNumber("sequences_seen", stream.SequencesSeen);
                    json.WriteNumber("sequences_kept", stream.Count);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteString("tensors_file", TensorsFileName);
            json.WriteString("tensors_sha256", tensorsSha256);
            json.WriteStartArray("float64_tensors");
            foreach (string name in float64Names)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
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

    private static void WriteFinite(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Tensor ToBits(Tensor value)
    {
        var doubles = value.cpu().contiguous().data<double>().ToArray();
        return tensor(doubles.Select(BitConverter.DoubleToInt64Bits).ToArray(), value.shape, ScalarType.Int64);
    }

    private static Tensor FromBits(Tensor value)
    {
        if (value.dtype != ScalarType.Int64)
        {
            throw new InvalidDataException($"a float64 statistic stored as {value.dtype}, expected Int64 bits");
        }

        var longs = value.contiguous().data<long>().ToArray();
        return tensor(longs.Select(BitConverter.Int64BitsToDouble).ToArray(), value.shape, ScalarType.Float64);
    }
}
