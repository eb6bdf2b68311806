using System.Globalization;
using System.Text.RegularExpressions;
using WmQuant.Contract;
using WmQuant.Diagnostics;

namespace WmQuant.Runtime;

/// <summary>
/// Tells libtorch's allocation failures (the CPU allocator's <c>can't allocate memory</c>, the CUDA caching
/// allocator's <c>CUDA out of memory</c>, cuBLAS's <c>CUBLAS_STATUS_ALLOC_FAILED</c>) from bugs. TorchSharp raises
/// them as <see cref="System.Runtime.InteropServices.ExternalException"/> whose message is libtorch's whole text,
/// native stack trace included (kilobytes of <c>frame #N: ...</c>); the machine being too small for the work asked is
/// an environment problem (WMQ3304, exit 3), so the user gets one line saying how much was asked for, where, and what
/// to lower — never the trace.
/// </summary>
public static partial class AllocationFailure
{
    /// <summary>What to do about it: the recipe settings that scale planning memory, then a bigger machine.</summary>
    public const string Hint =
        "lower calibration.episodes / evaluation.episodes or set evaluation.planner.max_batch; run on a machine with more memory";

    // Lower-case fragments of libtorch's allocation failure messages (CPU, Windows CPU, CUDA caching allocator and
    // raw cudaMalloc, cuBLAS workspace). A managed OutOfMemoryException says none of them: it is not classified here.
    private static readonly string[] Markers =
        ["can't allocate memory", "not enough memory", "out of memory", "cublas_status_alloc_failed"];

    private const int MaxSummaryLength = 300;

    /// <summary>
    /// One line describing the allocation failure <paramref name="exception"/> (or an exception inside it) reports,
    /// e.g. "tried to allocate 33.6 GiB on cpu"; null when it is no allocation failure.
    /// </summary>
    public static string? Summary(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? e = exception; e is not null; e = e is AggregateException { InnerExceptions.Count: 1 } single ? single.InnerExceptions[0] : e.InnerException)
        {
            if (e is OutOfMemoryException)
            {
                // The managed heap's own failure: the process is in no state to go on; callers let it crash.
                return null;
            }

            string message = e.Message;
            if (Markers.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase)))
            {
                return Describe(message);
            }
        }

        return null;
    }

    /// <summary>
    /// The WMQ3304 error for <paramref name="exception"/> when it is an allocation failure (null otherwise), at
    /// <paramref name="position"/> (the recipe whose run failed), its message prefixed with <paramref name="subject"/>.
    /// </summary>
    public static Diagnostic? Diagnose(Exception exception, SourcePosition? position = null, string? subject = null) =>
        Summary(exception) is { } summary
            ? Diagnostic.Error(DiagnosticCodes.OutOfMemory, $"{(subject is null ? string.Empty : subject + ": ")}out of memory: {summary}", position, Hint)
            : null;

    /// <summary>The first line of libtorch's message made into "tried to allocate X on device", when it says so.</summary>
    internal static string Describe(string message)
    {
        bool onCuda = message.Contains("CUDA", StringComparison.Ordinal);
        if (!onCuda && CpuRequest().Match(message) is { Success: true } cpu
            && long.TryParse(cpu.Groups["bytes"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes))
        {
            return $"tried to allocate {Bytes(bytes)} on cpu";
        }

        if (onCuda && CudaRequest().Match(message) is { Success: true } cuda)
        {
            string device = CudaDevice().Match(message) is { Success: true } gpu ? $"cuda:{gpu.Groups["index"].Value}" : "cuda";
            string free = CudaCapacity().Match(message) is { Success: true } capacity
                ? $" ({capacity.Groups["free"].Value} free of {capacity.Groups["total"].Value})"
                : string.Empty;
            return $"tried to allocate {cuda.Groups["size"].Value} on {device}{free}";
        }

        string first = NativeMessage.FirstLine(message);
        first = EnforcePrefix().Replace(first, string.Empty);
        return first.Length <= MaxSummaryLength ? first : first[..MaxSummaryLength] + "…";
    }

    /// <summary>A byte count in binary units with one decimal, as libtorch's own CUDA messages write them.</summary>
    internal static string Bytes(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{value:F1} {units[unit]}");
    }

    [GeneratedRegex(@"tried to allocate (?<bytes>\d+) bytes", RegexOptions.IgnoreCase)]
    private static partial Regex CpuRequest();

    [GeneratedRegex(@"Tried to allocate (?<size>\d+(?:\.\d+)? ?(?:[KMGTP]iB|bytes|B))", RegexOptions.IgnoreCase)]
    private static partial Regex CudaRequest();

    [GeneratedRegex(@"GPU (?<index>\d+)")]
    private static partial Regex CudaDevice();

    [GeneratedRegex(@"total capacity of (?<total>\d+(?:\.\d+)? ?(?:[KMGTP]iB|bytes|B)) of which (?<free>\d+(?:\.\d+)? ?(?:[KMGTP]iB|bytes|B)) is free")]
    private static partial Regex CudaCapacity();

    [GeneratedRegex(@"^\[enforce fail at [^\]]*\]\s*")]
    private static partial Regex EnforcePrefix();
}
