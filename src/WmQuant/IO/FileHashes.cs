using System.Security.Cryptography;

namespace WmQuant.IO;

/// <summary>File hashes as every manifest, cache key and record writes them.</summary>
public static class FileHashes
{
    /// <summary>Lowercase hex SHA-256 of a file's bytes.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
