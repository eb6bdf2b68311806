using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// Turns header bytes into tensor entries, rejecting anything the reference would reject
/// (and a little more: duplicate keys, which JSON parsers silently resolve) with a message
/// that names the entry and the field. Layout across entries is checked by
/// <see cref="SafetensorsLayoutValidator"/>.
/// </summary>
internal static class SafetensorsHeaderParser
{
    /// <summary>The reserved key holding the string-to-string metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    private const string DTypeField = "dtype";
    private const string ShapeField = "shape";
    private const string OffsetsField = "data_offsets";

    public static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> header, long dataLength)
    {
        var invalidAt = FirstInvalidUtf8Offset(header.Span);
        if (invalidAt >= 0)
        {
            throw new SafetensorsFormatException(path, null,
                $"header is not valid UTF-8 (invalid byte 0x{header.Span[invalidAt]:X2} at header offset {invalidAt})");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new SafetensorsFormatException(path, null, $"header is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(path, null,
                    $"header must be a JSON object, found {Describe(root.ValueKind)}");
            }

            if (header.Span[0] != (byte)'{')
            {
                throw new SafetensorsFormatException(path, null,
                    $"header must begin with '{{', found byte 0x{header.Span[0]:X2} (leading whitespace is not allowed)");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw property.Name == MetadataKey
                        ? new SafetensorsFormatException(path, null, $"'{MetadataKey}' appears more than once in the header")
                        : new SafetensorsFormatException(path, property.Name, "name appears more than once in the header");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    tensors.Add(ReadTensor(path, property.Name, property.Value));
                }
            }

            var ordered = SafetensorsLayoutValidator.Validate(path, tensors, dataLength);
            return new SafetensorsHeader(metadata, ordered);
        }
    }

    private static void ReadMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, null,
                $"'{MetadataKey}' must be an object mapping strings to strings, found {Describe(element.ValueKind)}");
        }

        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsFormatException(path, null,
                    $"'{MetadataKey}' value for key '{entry.Name}' must be a string, found {Describe(entry.Value.ValueKind)}");
            }

            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new SafetensorsFormatException(path, null,
                    $"'{MetadataKey}' key '{entry.Name}' appears more than once");
            }
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string path, string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, name,
                $"entry must be a JSON object with dtype, shape and data_offsets, found {Describe(element.ValueKind)}");
        }

        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (var field in element.EnumerateObject())
        {
            // Unknown fields are ignored, as the reference ignores them; repeated known ones are ambiguous.
            switch (field.Name)
            {
                case DTypeField:
                    dtypeElement = Once(path, name, field, dtypeElement);
                    break;
                case ShapeField:
                    shapeElement = Once(path, name, field, shapeElement);
                    break;
                case OffsetsField:
                    offsetsElement = Once(path, name, field, offsetsElement);
                    break;
                default:
                    break;
            }
        }

        var dtype = ReadDType(path, name, dtypeElement);
        var shape = ReadShape(path, name, shapeElement);
        var (begin, end) = ReadOffsets(path, name, offsetsElement);

        var expected = SafetensorsShape.TryByteLength(shape, dtype)
            ?? throw new SafetensorsFormatException(path, name,
                $"shape {SafetensorsShape.Format(shape)} × {dtype.ToJsonName()} ({dtype.ElementSize()} bytes) overflows a 64-bit byte count");
        if (end - begin != expected)
        {
            throw new SafetensorsFormatException(path, name,
                $"byte length {end - begin} (data_offsets [{begin}, {end}]) does not match shape {SafetensorsShape.Format(shape)} × {dtype.ToJsonName()} ({dtype.ElementSize()} bytes) = {expected} bytes");
        }

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static JsonElement Once(string path, string name, JsonProperty field, JsonElement? previous) =>
        previous is null
            ? field.Value
            : throw new SafetensorsFormatException(path, name, $"field '{field.Name}' appears more than once");

    private static SafetensorsDType ReadDType(string path, string name, JsonElement? element)
    {
        if (element is not { } value)
        {
            throw new SafetensorsFormatException(path, name, $"missing field '{DTypeField}'");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new SafetensorsFormatException(path, name,
                $"field '{DTypeField}' must be a string, found {Describe(value.ValueKind)}");
        }

        var text = value.GetString();
        return SafetensorsDTypes.TryParseJsonName(text, out var dtype)
            ? dtype
            : throw new SafetensorsFormatException(path, name,
                $"unknown dtype '{text}' (supported: {SafetensorsDTypes.SupportedJsonNames})");
    }

    private static long[] ReadShape(string path, string name, JsonElement? element)
    {
        if (element is not { } value)
        {
            throw new SafetensorsFormatException(path, name, $"missing field '{ShapeField}'");
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(path, name,
                $"field '{ShapeField}' must be an array of non-negative integers, found {Describe(value.ValueKind)}");
        }

        var shape = new long[value.GetArrayLength()];
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            shape[index] = ReadNonNegativeInteger(path, name, item, $"{ShapeField}[{index}]", "dimensions");
            index++;
        }

        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string path, string name, JsonElement? element)
    {
        if (element is not { } value)
        {
            throw new SafetensorsFormatException(path, name, $"missing field '{OffsetsField}'");
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(path, name,
                $"field '{OffsetsField}' must be an array [begin, end], found {Describe(value.ValueKind)}");
        }

        if (value.GetArrayLength() != 2)
        {
            throw new SafetensorsFormatException(path, name,
                $"field '{OffsetsField}' has {value.GetArrayLength()} elements; expected exactly two, [begin, end]");
        }

        var begin = ReadNonNegativeInteger(path, name, value[0], $"{OffsetsField}[0]", "offsets");
        var end = ReadNonNegativeInteger(path, name, value[1], $"{OffsetsField}[1]", "offsets");
        if (begin > end)
        {
            throw new SafetensorsFormatException(path, name,
                $"{OffsetsField} begin {begin} is greater than end {end}");
        }

        return (begin, end);
    }

    private static long ReadNonNegativeInteger(string path, string name, JsonElement item, string what, string plural)
    {
        if (item.ValueKind != JsonValueKind.Number)
        {
            throw new SafetensorsFormatException(path, name,
                $"{what} must be a non-negative integer, found {Describe(item.ValueKind)}");
        }

        if (!item.TryGetInt64(out var number))
        {
            throw new SafetensorsFormatException(path, name,
                $"{what} is {item.GetRawText()}; {plural} must be integers in [0, {long.MaxValue}]");
        }

        if (number < 0)
        {
            throw new SafetensorsFormatException(path, name,
                $"{what} is {number.ToString(CultureInfo.InvariantCulture)}; {plural} must not be negative");
        }

        return number;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    /// <summary>Offset of the first byte that breaks UTF-8, or -1 when the whole span is valid.</summary>
    private static int FirstInvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return -1;
        }

        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return -1;
    }
}
