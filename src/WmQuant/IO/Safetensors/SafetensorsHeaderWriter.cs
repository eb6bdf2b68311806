using System.Globalization;
using System.Text;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// Writes the header JSON byte for byte the way the reference (serde_json, compact) does:
/// <c>__metadata__</c> first, then tensors in layout order with fields dtype, shape,
/// data_offsets; only the characters JSON requires are escaped; padded with spaces to a
/// multiple of 8 so the data buffer starts aligned.
/// </summary>
internal static class SafetensorsHeaderWriter
{
    private const int Alignment = 8;

    public static byte[] Write(
        IReadOnlyList<(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)> layout,
        IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        var json = new StringBuilder();
        json.Append('{');
        var first = true;
        if (metadata.Count > 0)
        {
            AppendString(json, SafetensorsHeaderParser.MetadataKey);
            json.Append(":{");
            for (var i = 0; i < metadata.Count; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }

                AppendString(json, metadata[i].Key);
                json.Append(':');
                AppendString(json, metadata[i].Value);
            }

            json.Append('}');
            first = false;
        }

        foreach (var tensor in layout)
        {
            if (!first)
            {
                json.Append(',');
            }

            first = false;
            AppendString(json, tensor.Name);
            json.Append(":{\"dtype\":");
            AppendString(json, tensor.DType.ToJsonName());
            json.Append(",\"shape\":[");
            json.AppendJoin(',', tensor.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            json.Append("],\"data_offsets\":[")
                .Append(tensor.Begin.ToString(CultureInfo.InvariantCulture))
                .Append(',')
                .Append(tensor.End.ToString(CultureInfo.InvariantCulture))
                .Append("]}");
        }

        json.Append('}');

        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var length = strict.GetByteCount(json.ToString());
        var padded = (length + Alignment - 1) / Alignment * Alignment;
        var bytes = new byte[padded];
        strict.GetBytes(json.ToString(), bytes);
        bytes.AsSpan(length).Fill((byte)' ');
        return bytes;
    }

    /// <summary>Escapes as serde_json does: quote, backslash and control characters only.</summary>
    private static void AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\b':
                    json.Append("\\b");
                    break;
                case '\f':
                    json.Append("\\f");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                case < ' ':
                    json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    json.Append(c);
                    break;
            }
        }

        json.Append('"');
    }
}
