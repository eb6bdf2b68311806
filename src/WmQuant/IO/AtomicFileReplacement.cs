using System.Globalization;

namespace WmQuant.IO;

/// <summary>
/// Writes a file so readers only ever see the old contents or the complete new ones: the
/// bytes go to a temporary file in the same folder (same file system, so the final rename
/// is atomic), are flushed to disk, then renamed over the target. On any failure the
/// temporary file is removed and the target is left untouched.
/// </summary>
internal static class AtomicFileReplacement
{
    private static long _sequence;

    public static void Write(string path, Action<Stream> writeContents)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{path}' has no parent folder", nameof(path));
        var temporary = TemporaryPath(folder, System.IO.Path.GetFileName(fullPath));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                writeContents(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Hidden, unique per process and call, recognisable if a crash ever leaves one behind.</summary>
    private static string TemporaryPath(string folder, string fileName)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var suffix = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{sequence}");
        return System.IO.Path.Combine(folder, $".{fileName}.{suffix}.tmp");
    }

    private static void TryDelete(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (IOException)
        {
            // The original failure is the one worth reporting.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }
}
