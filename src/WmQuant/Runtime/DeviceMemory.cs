using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Runtime;

/// <summary>
/// Memory a device offers planning, for sizing model calls (<see cref="Planning.RolloutMemoryEstimate"/>). Read once
/// per device and process: a later reading would count what the process itself keeps from earlier planning (glibc's
/// heap, the CUDA caching allocator's blocks) as used, so the FP and the quantized evaluation of one run could be
/// chunked differently.
/// </summary>
public static partial class DeviceMemory
{
    private static readonly ConcurrentDictionary<string, long?> Readings = new(StringComparer.Ordinal);

    /// <summary>
    /// Bytes available on <paramref name="device"/>, or null when nothing can be read. CPU: MemAvailable from
    /// /proc/meminfo, capped by the .NET runtime's view of the memory it may use (a container's limit, which
    /// /proc/meminfo does not show), else that view alone. CUDA: the GPU's total memory, from the driver: TorchSharp
    /// does not expose torch.cuda.mem_get_info, and the driver's free figure counts PyTorch's cached blocks as used,
    /// so it would shrink after the first evaluation; the total is the same on every GPU of a model, so are the chunks.
    /// </summary>
    public static long? AvailableBytes(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return Readings.GetOrAdd(device.ToString(), _ => device.type == DeviceType.CUDA ? CudaTotalBytes(Math.Max(device.index, 0)) : CpuAvailableBytes());
    }

    /// <summary>The CPU's available memory now (not cached).</summary>
    internal static long? CpuAvailableBytes()
    {
        long runtime = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long? meminfo = null;
        try
        {
            meminfo = File.Exists("/proc/meminfo") ? MemAvailable(File.ReadAllText("/proc/meminfo")) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: the runtime's figure alone.
        }

        return (meminfo, runtime > 0 ? runtime : (long?)null) switch
        {
            ({ } m, { } r) => Math.Min(m, r),
            ({ } m, null) => m,
            (null, { } r) => r,
            _ => null,
        };
    }

    /// <summary>MemAvailable of a /proc/meminfo text in bytes, or null when the line is missing or malformed.</summary>
    internal static long? MemAvailable(string meminfo)
    {
        ArgumentNullException.ThrowIfNull(meminfo);
        foreach (string line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = line["MemAvailable:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kib)
                && kib <= long.MaxValue / 1024
                ? kib * 1024
                : null;
        }

        return null;
    }

    private static long? CudaTotalBytes(int ordinal)
    {
        try
        {
            // cuInit is idempotent and needs no context; a CUDA libtorch has loaded the driver library already.
            if (CuInit(0) != 0 || CuDeviceGet(out int handle, ordinal) != 0 || CuDeviceTotalMem(out nuint bytes, handle) != 0)
            {
                return null;
            }

            return bytes > long.MaxValue ? long.MaxValue : (long)bytes;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libcuda.so.1", EntryPoint = "cuInit")]
    private static partial int CuInit(uint flags);

    [LibraryImport("libcuda.so.1", EntryPoint = "cuDeviceGet")]
    private static partial int CuDeviceGet(out int device, int ordinal);

    [LibraryImport("libcuda.so.1", EntryPoint = "cuDeviceTotalMem_v2")]
    private static partial int CuDeviceTotalMem(out nuint bytes, int device);
}
