using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WmQuant.Pipeline.Caching;

/// <summary>
/// Content-addressed store of stage outputs: a stage's inputs (hashes of files, typed settings, tool version) are
/// serialised canonically and hashed; the outputs live in <c>&lt;root&gt;/&lt;stage&gt;/&lt;hash&gt;/</c>. An entry
/// appears only complete (written into a temporary folder, then renamed), so an interrupted run leaves no
/// half-written entry and simply recomputes that stage.
/// </summary>
public sealed class StageCache
{
    private const string CompleteMarker = ".complete";

    private static readonly JsonSerializerOptions KeyJson = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Creates a cache rooted at <paramref name="root"/> (created on first write); null disables caching.</summary>
    public StageCache(string? root) => Root = root is null ? null : Path.GetFullPath(root);

    /// <summary>Root folder, or null when caching is off (every stage recomputes).</summary>
    public string? Root { get; }

    /// <summary>Hex SHA-256 of the canonical JSON of a stage's inputs.</summary>
    public static string KeyOf(string stage, object inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        string json = stage + "\n" + JsonSerializer.Serialize(inputs, inputs.GetType(), KeyJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>The folder of a complete entry, or null.</summary>
    public string? TryGet(string stage, string key)
    {
        if (Root is null)
        {
            return null;
        }

        string directory = Path.Combine(Root, stage, key);
        return File.Exists(Path.Combine(directory, CompleteMarker)) ? directory : null;
    }

    /// <summary>
    /// Returns the entry's folder, computing it first when absent: <paramref name="produce"/> writes its files into the
    /// folder it is given. Without a cache root the outputs go to a fresh temporary folder the caller may delete.
    /// </summary>
    /// <returns>The folder and whether it came from the cache.</returns>
    public (string Directory, bool Hit) GetOrCreate(string stage, string key, Action<string> produce)
    {
        ArgumentNullException.ThrowIfNull(produce);
        if (TryGet(stage, key) is { } existing)
        {
            return (existing, true);
        }

        string parent = Root is null ? Path.Combine(Path.GetTempPath(), "wmq-nocache") : Path.Combine(Root, stage);
        Directory.CreateDirectory(parent);
        string temporary = Path.Combine(parent, $".tmp-{key[..16]}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            produce(temporary);
            File.WriteAllText(Path.Combine(temporary, CompleteMarker), key);
            string final = Path.Combine(parent, key);
            if (Root is null)
            {
                return (temporary, false);
            }

            if (Directory.Exists(final))
            {
                // A concurrent run or an interrupted one left a folder: a complete one wins, an incomplete one is replaced.
                if (File.Exists(Path.Combine(final, CompleteMarker)))
                {
                    Directory.Delete(temporary, recursive: true);
                    return (final, false);
                }

                Directory.Delete(final, recursive: true);
            }

            Directory.Move(temporary, final);
            return (final, false);
        }
        catch
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            throw;
        }
    }
}
