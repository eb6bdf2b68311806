using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WmQuant.Quantization.Calibration;

/// <summary>
/// The cache key of a calibration set: SHA-256 over the format version, the model file's SHA-256, and the canonical
/// settings (environment, planner, normalisation, episodes, reservoir, layers). Any change to any of them gives a new
/// key; nothing else (paths, time, machine) enters it.
/// </summary>
public static class CalibrationCacheKey
{
    /// <summary>The key for a model file on disk.</summary>
    public static string Compute(string modelPath, CalibrationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        return FromModelHash(ModelSha256(modelPath), settings);
    }

    /// <summary>The key for a model given as bytes.</summary>
    public static string Compute(ReadOnlySpan<byte> modelBytes, CalibrationSettings settings) =>
        FromModelHash(Convert.ToHexStringLower(SHA256.HashData(modelBytes)), settings);

    /// <summary>The key for a model whose file hash is already known (lowercase hex SHA-256).</summary>
    public static string FromModelHash(string modelSha256, CalibrationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(modelSha256);
        ArgumentNullException.ThrowIfNull(settings);
        string text = string.Create(CultureInfo.InvariantCulture, $"wmq-calibration\nformat {CalibrationSettings.FormatVersion}\nmodel {modelSha256}\nsettings {settings.ToCanonicalJson()}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Lowercase hex SHA-256 of a file, streamed.</summary>
    public static string ModelSha256(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
