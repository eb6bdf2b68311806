using WmQuant.Contract;
using WmQuant.Diagnostics;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// What a safetensors file (or a sharded checkpoint's index and shards) holds, read from the headers alone (the files
/// are closed again).
/// </summary>
/// <param name="Path">Full path of the file or index.</param>
/// <param name="Metadata">The <c>__metadata__</c> map (the first shard's).</param>
/// <param name="Tensors">Every tensor, by name in ordinal order.</param>
public sealed record SafetensorsListing(string Path, IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafetensorsTensorInfo> Tensors)
{
    /// <summary>
    /// Reads the header(s) of <paramref name="path"/> (a .safetensors file or a *.index.json); a file that is not valid
    /// safetensors is a WMQ3002 diagnostic.
    /// </summary>
    public static (SafetensorsListing? Listing, Diagnostic? Problem) Read(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        try
        {
            using var set = SafetensorsShardSet.Open(full);
            return (new SafetensorsListing(full, set.Metadata, set.Tensors), null);
        }
        catch (SafetensorsFormatException e)
        {
            // The diagnostic's position names the file already; keep the tensor and the problem.
            string message = e.TensorName is null ? e.Problem : $"tensor '{e.TensorName}': {e.Problem}";
            return (null, Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, full, message.Length > 0 ? message : e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, full, $"cannot read the file: {e.Message}"));
        }
    }
}
