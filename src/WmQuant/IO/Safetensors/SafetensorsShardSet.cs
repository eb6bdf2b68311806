using System.Text.Json;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// A safetensors checkpoint opened for reading, whether one file or Hugging Face shards with an index (see
/// <see cref="SafetensorsShards"/>): every file is opened and validated, and the index must agree with the shards
/// exactly (every tensor listed once, in the file that holds it, total_size equal to the tensors' bytes). Dispose it
/// to unmap the files.
/// </summary>
/// <remarks>
/// Hostile-input limits: the index is a regular file of at most <see cref="MaxIndexBytes"/> bytes, parsed with a depth
/// limit; shard names are plain file names in the index's folder (no folder parts, no leading dot, ending in
/// <c>.safetensors</c>), so an index cannot point outside its folder.
/// </remarks>
public sealed class SafetensorsShardSet : IDisposable
{
    /// <summary>Largest index accepted (the same bound as a safetensors header).</summary>
    public const long MaxIndexBytes = SafetensorsFile.MaxHeaderLength;

    private readonly Dictionary<string, SafetensorsFile> _byTensor;

    private SafetensorsShardSet(string path, string? indexPath, IReadOnlyList<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byTensor)
    {
        Path = path;
        IndexPath = indexPath;
        Files = files;
        _byTensor = byTensor;
        Tensors = [.. files.SelectMany(f => f.Tensors).OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>The path opened (a .safetensors file or an index).</summary>
    public string Path { get; }

    /// <summary>The index, or null for a single file.</summary>
    public string? IndexPath { get; }

    /// <summary>The files, in the order the index names them (shard order).</summary>
    public IReadOnlyList<SafetensorsFile> Files { get; }

    /// <summary>Every tensor of every file, by name (ordinal).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The first file's <c>__metadata__</c> (shards written here all carry the same).</summary>
    public IReadOnlyDictionary<string, string> Metadata => Files[0].Metadata;

    /// <summary>
    /// Opens <paramref name="path"/>: a <c>.safetensors</c> file, or an index (<c>*.index.json</c>) and the shards it names.
    /// Throws <see cref="SafetensorsFormatException"/> naming the file (and tensor) at fault; I/O errors pass through.
    /// </summary>
    public static SafetensorsShardSet Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.EndsWith(".index.json", StringComparison.Ordinal))
        {
            var file = SafetensorsFile.Open(path);
            return new SafetensorsShardSet(path, null, [file], file.Tensors.ToDictionary(t => t.Name, _ => file, StringComparer.Ordinal));
        }

        var (weightMap, totalSize) = ReadIndex(path);
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var opened = new List<SafetensorsFile>();
        try
        {
            var byName = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (string shard in weightMap.Values.Distinct(StringComparer.Ordinal))
            {
                string shardPath = System.IO.Path.Combine(folder, shard);
                if (!File.Exists(shardPath))
                {
                    throw new SafetensorsFormatException(path, null, $"weight_map names shard '{shard}', which does not exist beside the index");
                }

                var file = SafetensorsFile.Open(shardPath);
                opened.Add(file);
                byName[shard] = file;
            }

            var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (tensor, shard) in weightMap)
            {
                if (!byName[shard].Contains(tensor))
                {
                    throw new SafetensorsFormatException(path, tensor, $"weight_map puts it in '{shard}', which has no such tensor");
                }

                byTensor[tensor] = byName[shard];
            }

            foreach (var (shard, file) in byName)
            {
                var stray = file.Tensors.FirstOrDefault(t => !weightMap.TryGetValue(t.Name, out var listed) || listed != shard);
                if (stray is not null)
                {
                    throw new SafetensorsFormatException(path, stray.Name, weightMap.TryGetValue(stray.Name, out var other)
                        ? $"is in '{shard}' but weight_map puts it in '{other}'"
                        : $"is in '{shard}' but weight_map does not list it");
                }
            }

            long actual = opened.Sum(f => f.Tensors.Sum(t => t.ByteLength));
            if (totalSize is { } declared && declared != actual)
            {
                throw new SafetensorsFormatException(path, null, $"metadata.total_size is {declared} but the shards' tensors hold {actual} bytes");
            }

            return new SafetensorsShardSet(path, path, opened, byTensor);
        }
        catch
        {
            foreach (var file in opened)
            {
                file.Dispose();
            }

            throw;
        }
    }

    /// <summary>Whether some file has a tensor of that name.</summary>
    public bool Contains(string name) => _byTensor.ContainsKey(name);

    /// <summary>The file holding <paramref name="name"/>; a missing name throws <see cref="KeyNotFoundException"/>.</summary>
    public SafetensorsFile FileOf(string name) =>
        _byTensor.TryGetValue(name, out var file) ? file : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var file in Files)
        {
            file.Dispose();
        }
    }

    private static (Dictionary<string, string> WeightMap, long? TotalSize) ReadIndex(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: index not found", path);
        }

        if (info.Length > MaxIndexBytes)
        {
            throw new SafetensorsFormatException(path, null, $"index is {info.Length} bytes, over the limit of {MaxIndexBytes}");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(path, null, "an index is a JSON object with a 'weight_map' object");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string? file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (file is null || !IsPlainShardName(file))
                {
                    throw new SafetensorsFormatException(path, entry.Name,
                        $"weight_map value {entry.Value.GetRawText()} is not a plain .safetensors file name beside the index");
                }

                if (!weightMap.TryAdd(entry.Name, file))
                {
                    throw new SafetensorsFormatException(path, entry.Name, "weight_map lists it twice");
                }
            }

            if (weightMap.Count == 0)
            {
                throw new SafetensorsFormatException(path, null, "weight_map lists no tensors");
            }

            long? total = null;
            if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("total_size", out var size))
            {
                total = size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out long value) && value >= 0
                    ? value
                    : throw new SafetensorsFormatException(path, null, $"metadata.total_size {size.GetRawText()} is not a non-negative integer");
            }

            return (weightMap, total);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, null, $"index is not valid JSON: {e.Message}", e);
        }
    }

    private static bool IsPlainShardName(string name) =>
        name.Length > ".safetensors".Length && name.Length <= 255
        && name.EndsWith(".safetensors", StringComparison.Ordinal)
        && name[0] != '.'
        && name.IndexOfAny(['/', '\\', ':', '\0']) < 0;
}
