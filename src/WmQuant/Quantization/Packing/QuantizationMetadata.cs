using System.Globalization;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Packing;

/// <summary>
/// A weight configuration as safetensors <c>__metadata__</c> strings and back. Bits and group size cannot
/// be read off packed shapes, so a reader needs these entries to unpack. Keys are
/// "{prefix}.format|bits|granularity|group_size|symmetric|scale_dtype|bit_layout".
/// </summary>
public static class QuantizationMetadata
{
    /// <summary>Value of the "format" entry.</summary>
    public const string Format = "pack-quantized";

    /// <summary>Value of the "bit_layout" entry: names the documented packing order (see <see cref="WeightPacker"/>).</summary>
    public const string BitLayout = "int32-words-lsb-first-dense-bitstream-per-row";

    /// <summary>The entries describing <paramref name="config"/> under <paramref name="prefix"/>.</summary>
    public static Dictionary<string, string> ToMetadata(WeightQuantConfig config, string prefix = "quantization")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(prefix);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Key(prefix, "format")] = Format,
            [Key(prefix, "bits")] = config.Bits.ToString(CultureInfo.InvariantCulture),
            [Key(prefix, "granularity")] = config.Granularity switch
            {
                WeightGranularity.PerTensor => "tensor",
                WeightGranularity.PerChannel => "channel",
                _ => "group",
            },
            [Key(prefix, "group_size")] = config.GroupSize.ToString(CultureInfo.InvariantCulture),
            [Key(prefix, "symmetric")] = config.Symmetric ? "true" : "false",
            [Key(prefix, "scale_dtype")] = config.ScaleStorage == ScaleStorage.Float16 ? "float16" : "float32",
            [Key(prefix, "bit_layout")] = BitLayout,
        };
    }

    /// <summary>Reads a configuration written by <see cref="ToMetadata"/>; null with a message naming the bad entry otherwise.</summary>
    public static WeightQuantConfig? TryParse(IReadOnlyDictionary<string, string> metadata, string prefix, out string? error)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(prefix);
        error = null;
        string? Read(string name, ref string? problem)
        {
            if (metadata.TryGetValue(Key(prefix, name), out var value))
            {
                return value;
            }

            problem ??= $"metadata entry {Key(prefix, name)} is missing";
            return null;
        }

        string? format = Read("format", ref error);
        string? bitsText = Read("bits", ref error);
        string? granularityText = Read("granularity", ref error);
        string? groupText = Read("group_size", ref error);
        string? symmetricText = Read("symmetric", ref error);
        string? scaleText = Read("scale_dtype", ref error);
        string? layout = Read("bit_layout", ref error);
        if (error is not null)
        {
            return null;
        }

        WeightGranularity? granularity = granularityText switch
        {
            "tensor" => WeightGranularity.PerTensor,
            "channel" => WeightGranularity.PerChannel,
            "group" => WeightGranularity.PerGroup,
            _ => null,
        };
        ScaleStorage? storage = scaleText switch
        {
            "float16" => ScaleStorage.Float16,
            "float32" => ScaleStorage.Float32,
            _ => null,
        };
        bool bitsOk = int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out int bits) && (bits is >= 2 and <= 8 || bits == WeightQuantConfig.BypassBits);
        bool groupOk = int.TryParse(groupText, NumberStyles.None, CultureInfo.InvariantCulture, out int groupSize) && groupSize >= 1;
        error = format != Format ? $"{Key(prefix, "format")} is '{format}', expected '{Format}'"
            : layout != BitLayout ? $"{Key(prefix, "bit_layout")} is '{layout}', expected '{BitLayout}'"
            : !bitsOk ? $"{Key(prefix, "bits")} is '{bitsText}', expected 2..8 or 16"
            : granularity is null ? $"{Key(prefix, "granularity")} is '{granularityText}', expected tensor, channel or group"
            : !groupOk ? $"{Key(prefix, "group_size")} is '{groupText}', expected a positive integer"
            : symmetricText is not ("true" or "false") ? $"{Key(prefix, "symmetric")} is '{symmetricText}', expected true or false"
            : storage is null ? $"{Key(prefix, "scale_dtype")} is '{scaleText}', expected float16 or float32"
            : null;
        return error is null ? new WeightQuantConfig(bits, granularity!.Value, groupSize, symmetricText == "true", storage!.Value) : null;
    }

    private static string Key(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
