using WmQuant.Contract;
using WmQuant.Diagnostics;

namespace WmQuant.IO.Safetensors;

/// <summary>What a safetensors file holds, read from its header alone (the file is closed again).</summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="Metadata">The <c>__metadata__</c> map.</param>
/// <param name="Tensors">Every tensor, by name in ordinal order.</param>
public sealed record SafetensorsListing(string Path, IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafetensorsTensorInfo> Tensors)
{
    /// <summary>Reads the header of <paramref name="path"/>; a file that is not valid safetensors is a WMQ3002 diagnostic.</summary>
    public static (SafetensorsListing? Listing, Diagnostic? Problem) Read(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        try
        {
            using var file = SafetensorsFile.Open(full);
            return (new SafetensorsListing(full, file.Metadata, [.. file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal)]), null);
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
