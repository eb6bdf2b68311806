using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace WmQuant.IO.Safetensors;

/// <summary>One file of a safetensors checkpoint, in memory: its name in the folder and its bytes.</summary>
/// <param name="FileName">Plain file name (no folder).</param>
/// <param name="Bytes">The whole file.</param>
public sealed record SafetensorsFileBytes(string FileName, byte[] Bytes);

/// <summary>
/// Sharded safetensors checkpoints the Hugging Face way: at most a threshold of tensor bytes per file, files named
/// <c>{base}-0000k-of-0000n.safetensors</c> and an index <c>{base}.safetensors.index.json</c> =
/// <c>{"metadata": {"total_size": tensor bytes}, "weight_map": {tensor: file}}</c>; a checkpoint whose tensors fit the
/// threshold stays one file, <c>{base}.safetensors</c>, without an index. Read them with
/// <see cref="SafetensorsShardSet"/>.
/// </summary>
/// <remarks>
/// Splitting is huggingface_hub's rule over the tensors in name order (UTF-8 byte order): a tensor larger than the
/// threshold gets a shard of its own; otherwise a new shard starts when the tensor would push the current one past
/// the threshold. Sizes count tensor bytes only (headers excluded). Every shard carries the same metadata. The index
/// is written as Python's <c>json.dumps(index, indent=2, sort_keys=True)</c> plus a newline, so the bytes are fixed.
/// </remarks>
public static partial class SafetensorsShards
{
    /// <summary>The default threshold: 2 GB of tensor bytes per file (no sharding below it).</summary>
    public const long DefaultMaxShardBytes = 2_000_000_000;

    /// <summary>The unsharded file: <c>{base}.safetensors</c>.</summary>
    public static string SingleFileName(string baseName) => baseName + ".safetensors";

    /// <summary>The index of a sharded checkpoint: <c>{base}.safetensors.index.json</c>.</summary>
    public static string IndexFileName(string baseName) => baseName + ".safetensors.index.json";

    /// <summary>Shard <paramref name="number"/> (1-based) of <paramref name="count"/>: <c>{base}-00001-of-00003.safetensors</c>.</summary>
    public static string ShardFileName(string baseName, int number, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"{baseName}-{number:D5}-of-{count:D5}.safetensors");

    /// <summary>The entries per shard, in order (one list when everything fits one file).</summary>
    public static IReadOnlyList<IReadOnlyList<SafetensorsEntry>> Split(IEnumerable<SafetensorsEntry> entries, long maxShardBytes)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxShardBytes, 1);
        var ordered = entries.OrderBy(e => Encoding.UTF8.GetBytes(e.Name), ByteOrder.Instance).ToList();
        var shards = new List<List<SafetensorsEntry>>();
        List<SafetensorsEntry>? current = null;
        long currentBytes = 0;
        foreach (var entry in ordered)
        {
            long size = entry.Data.Length;
            if (size > maxShardBytes)
            {
                shards.Add([entry]);
                continue;
            }

            if (current is null || currentBytes + size > maxShardBytes)
            {
                current = [];
                currentBytes = 0;
                shards.Add(current);
            }

            current.Add(entry);
            currentBytes += size;
        }

        return shards.Count == 0 ? [Array.Empty<SafetensorsEntry>()] : shards;
    }

    /// <summary>
    /// The checkpoint's files in memory: <c>{base}.safetensors</c> alone when the tensors fit
    /// <paramref name="maxShardBytes"/>, else the shards followed by the index.
    /// </summary>
    public static IReadOnlyList<SafetensorsFileBytes> Serialize(
        string baseName,
        IEnumerable<SafetensorsEntry> entries,
        IReadOnlyDictionary<string, string>? metadata,
        long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseName);
        var shards = Split(entries, maxShardBytes);
        if (shards.Count == 1)
        {
            return [new SafetensorsFileBytes(SingleFileName(baseName), SafetensorsWriter.Serialize(shards[0], metadata))];
        }

        var files = new List<SafetensorsFileBytes>(shards.Count + 1);
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            string name = ShardFileName(baseName, i + 1, shards.Count);
            files.Add(new SafetensorsFileBytes(name, SafetensorsWriter.Serialize(shards[i], metadata)));
            foreach (var entry in shards[i])
            {
                weightMap[entry.Name] = name;
                total += entry.Data.Length;
            }
        }

        files.Add(new SafetensorsFileBytes(IndexFileName(baseName), Encoding.UTF8.GetBytes(IndexJson(weightMap, total))));
        return files;
    }

    /// <summary>
    /// Writes the files of <paramref name="files"/> into <paramref name="folder"/>, each atomically, index last, then
    /// removes files of an earlier write under <paramref name="baseName"/> that this one does not have (a single file
    /// replaced by shards, shards of another count), so the folder never mixes two checkpoints.
    /// </summary>
    public static void Write(string folder, string baseName, IReadOnlyList<SafetensorsFileBytes> files)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(folder);
        foreach (var file in files)
        {
            AtomicFileReplacement.Write(Path.Combine(folder, file.FileName), stream => stream.Write(file.Bytes));
        }

        var keep = files.Select(f => f.FileName).ToHashSet(StringComparer.Ordinal);
        foreach (string stale in Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>()
            .Where(f => BelongsTo(f, baseName) && !keep.Contains(f)).ToList())
        {
            File.Delete(Path.Combine(folder, stale));
        }
    }

    /// <summary>True for <c>{base}.safetensors</c>, its index and its shards.</summary>
    public static bool BelongsTo(string fileName, string baseName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(baseName);
        return fileName == SingleFileName(baseName) || fileName == IndexFileName(baseName)
            || (fileName.StartsWith(baseName + "-", StringComparison.Ordinal) && ShardSuffix().IsMatch(fileName[baseName.Length..]));
    }

    /// <summary>The index text: <c>{"metadata": {"total_size": n}, "weight_map": {...}}</c>, keys sorted, two-space indent, final newline.</summary>
    public static string IndexJson(IReadOnlyDictionary<string, string> weightMap, long totalSize)
    {
        ArgumentNullException.ThrowIfNull(weightMap);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, PythonStyle))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                json.WriteString(name, file);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Two-space indent, "\n" line ends, non-ASCII and HTML characters as they are (plain files, not HTML).</summary>
    internal static JsonWriterOptions PythonStyle { get; } =
        new() { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [GeneratedRegex(@"^-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardSuffix();

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
