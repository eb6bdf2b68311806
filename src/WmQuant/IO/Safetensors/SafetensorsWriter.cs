using System.Buffers.Binary;
using System.Text;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// Writes safetensors files with deterministic bytes: the same tensors and metadata always
/// give the same file, equal to what the reference implementation writes for them.
/// </summary>
/// <remarks>
/// Layout follows the reference: tensors ordered by descending dtype alignment (I64, F32,
/// I32, BF16, F16, I8, U8, BOOL), then by name (UTF-8 byte order), so each tensor's data is
/// aligned to its element size; header keys in that order after <c>__metadata__</c>, whose
/// keys are sorted; the header padded with spaces to a multiple of 8 bytes.
/// </remarks>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically (temporary file in
    /// the same folder, then rename). An invalid entry (duplicate name, byte count not matching
    /// shape × dtype) throws <see cref="ArgumentException"/> before anything touches the disk.
    /// </summary>
    public static void Write(
        string path, IEnumerable<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var plan = Plan(tensors, metadata);
        AtomicFileReplacement.Write(path, stream => WritePlanned(stream, plan));
    }

    /// <summary>Writes the same bytes as <see cref="Write"/> to a stream (no atomicity: the stream is the caller's).</summary>
    public static void WriteTo(
        Stream stream, IEnumerable<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        WritePlanned(stream, Plan(tensors, metadata));
    }

    /// <summary>The file's bytes in memory, for small files, hashing and tests.</summary>
    public static byte[] Serialize(
        IEnumerable<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var buffer = new MemoryStream();
        WriteTo(buffer, tensors, metadata);
        return buffer.ToArray();
    }

    private sealed record WritePlan(byte[] Header, IReadOnlyList<SafetensorsEntry> Ordered);

    private static WritePlan Plan(IEnumerable<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            Check(entry, names);
        }

        var ordered = entries
            .Select(e => (Entry: e, NameBytes: Utf8(e.Name, "tensor name")))
            .OrderByDescending(x => x.Entry.DType.ReferenceOrderRank())
            .ThenBy(x => x.NameBytes, ByteOrder.Instance)
            .Select(x => x.Entry)
            .ToList();

        var layout = new List<(string, SafetensorsDType, long[], long, long)>(ordered.Count);
        long offset = 0;
        foreach (var entry in ordered)
        {
            layout.Add((entry.Name, entry.DType, entry.Shape, offset, offset + entry.Data.Length));
            offset += entry.Data.Length;
        }

        var sortedMetadata = (metadata ?? new Dictionary<string, string>())
            .Select(pair =>
            {
                ArgumentNullException.ThrowIfNull(pair.Value, $"metadata['{pair.Key}']");
                Utf8(pair.Value, $"metadata value for '{pair.Key}'");
                return (Pair: pair, KeyBytes: Utf8(pair.Key, "metadata key"));
            })
            .OrderBy(x => x.KeyBytes, ByteOrder.Instance)
            .Select(x => x.Pair)
            .ToList();

        return new WritePlan(SafetensorsHeaderWriter.Write(layout, sortedMetadata), ordered);
    }

    private static void Check(SafetensorsEntry entry, HashSet<string> names)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.Name, nameof(entry));
        ArgumentNullException.ThrowIfNull(entry.Shape, nameof(entry));
        if (entry.Name == SafetensorsHeaderParser.MetadataKey)
        {
            throw new ArgumentException($"'{SafetensorsHeaderParser.MetadataKey}' is reserved for metadata and cannot name a tensor", nameof(entry));
        }

        if (!names.Add(entry.Name))
        {
            throw new ArgumentException($"tensor '{entry.Name}' is given more than once", nameof(entry));
        }

        if (entry.Shape.Any(d => d < 0))
        {
            throw new ArgumentException($"tensor '{entry.Name}' has a negative dimension in shape {SafetensorsShape.Format(entry.Shape)}", nameof(entry));
        }

        var expected = SafetensorsShape.TryByteLength(entry.Shape, entry.DType)
            ?? throw new ArgumentException($"tensor '{entry.Name}': shape {SafetensorsShape.Format(entry.Shape)} overflows a 64-bit byte count", nameof(entry));
        if (entry.Data.Length != expected)
        {
            throw new ArgumentException(
                $"tensor '{entry.Name}' has {entry.Data.Length} bytes but shape {SafetensorsShape.Format(entry.Shape)} × {entry.DType.ToJsonName()} ({entry.DType.ElementSize()} bytes) needs {expected}",
                nameof(entry));
        }
    }

    private static void WritePlanned(Stream stream, WritePlan plan)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)plan.Header.Length);
        stream.Write(prefix);
        stream.Write(plan.Header);
        foreach (var entry in plan.Ordered)
        {
            stream.Write(entry.Data.Span);
        }
    }

    private static byte[] Utf8(string text, string what)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException($"{what} '{text}' is not valid Unicode (unpaired surrogate)", ex);
        }
    }

    /// <summary>Byte-wise order of UTF-8 strings: the order Rust's String comparison gives.</summary>
    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
