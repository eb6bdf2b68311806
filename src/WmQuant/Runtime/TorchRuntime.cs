using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using WmQuant.Runtime.Native;

namespace WmQuant.Runtime;

/// <summary>How the process should use TorchSharp; every front end fills one from its inputs.</summary>
public sealed record TorchRuntimeOptions
{
    /// <summary>auto | cpu | cuda | cuda:N.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>A libtorch lib folder to use instead of the bundled CPU build (CUDA on GPU agents).</summary>
    public string? LibTorchDirectory { get; init; }

    /// <summary>Intra-op CPU threads; null means one per core.</summary>
    public int? Threads { get; init; }

    /// <summary>Seed for TorchSharp's global generators (CPU and CUDA).</summary>
    public long Seed { get; init; }

    /// <summary>Prefer reproducible kernels (same inputs, same bits on the same machine).</summary>
    public bool Deterministic { get; init; } = true;

    /// <summary>Allow TF32 tensor-core matmuls for fp32 on CUDA (faster, ~10-bit mantissa products).</summary>
    public bool AllowTf32 { get; init; }
}

/// <summary>What <see cref="TorchRuntime.Initialize"/> found and chose.</summary>
/// <param name="Device">The device tensors go to.</param>
/// <param name="Reason">Why this device (one line: what was found or missing).</param>
/// <param name="Threads">CPU intra-op threads in use.</param>
/// <param name="TorchSharpVersion">TorchSharp's assembly version.</param>
/// <param name="LibTorch">Which libtorch is in use.</param>
/// <param name="CudaDeviceCount">CUDA devices visible (0 without a CUDA libtorch).</param>
/// <param name="Shim">The libstdc++ compatibility step's outcome.</param>
public sealed record TorchRuntimeInfo(
    torch.Device Device,
    string Reason,
    int Threads,
    string TorchSharpVersion,
    string LibTorch,
    int CudaDeviceCount,
    LibStdCxxShimStatus Shim);

/// <summary>Raised when the requested device cannot be provided; the message says what to do.</summary>
public sealed class TorchRuntimeException(string message) : Exception(message);

/// <summary>
/// The one entry point that sets TorchSharp up for a process: libstdc++ shim, libtorch choice,
/// device, threads, seeds and determinism, in that order, once.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static string? preloadedLibTorch;

    /// <summary>
    /// Sets TorchSharp up; call before the first tensor. Calling again re-applies device,
    /// threads and seed; a different libtorch cannot be swapped in after the first call.
    /// </summary>
    /// <exception cref="TorchRuntimeException">CUDA was required and is not usable, or the options are invalid.</exception>
    public static TorchRuntimeInfo Initialize(TorchRuntimeOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var request = DeviceRequest.TryParse(options.Device, out string? parseError)
            ?? throw new TorchRuntimeException(parseError!);
        lock (Gate)
        {
            var shim = LibStdCxxShim.EnsureLoaded();
            if (shim.Needed && !shim.Loaded)
            {
                logger.LogWarning("libstdc++ compatibility: {Detail}", shim.Detail);
            }

            string libTorch = PrepareLibTorch(options, request, out string libTorchNote);
            var (device, reason, count) = ChooseDevice(request, libTorchNote);
            if (options.Deterministic && device.type == DeviceType.CUDA)
            {
                // cuBLAS reads this once, at its initialisation; without it deterministic mode throws.
                NativeLoader.SetNativeEnvironmentIfUnset("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
            }

            int threads = options.Threads ?? Environment.ProcessorCount;
            if (threads < 1)
            {
                throw new TorchRuntimeException($"threads must be at least 1 (got {threads})");
            }

            torch.set_num_threads(threads);
            torch.manual_seed(options.Seed);
            if (device.type == DeviceType.CUDA)
            {
                torch.cuda.manual_seed_all(options.Seed);
            }

            // TorchSharp 0.107 does not implement use_deterministic_algorithms; determinism here rests on
            // a fixed thread count, seeded generators and, on CUDA, the cuBLAS workspace setting above.
            if (device.type == DeviceType.CUDA)
            {
                torch.backends.cuda.matmul.allow_tf32 = options.AllowTf32;
                torch.backends.cudnn.allow_tf32 = options.AllowTf32;
            }
            var info = new TorchRuntimeInfo(device, reason, threads, TorchSharpVersion(), libTorch, count, shim);
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("torch device {Device}: {Reason}", device.ToString(), reason);
            }

            return info;
        }
    }

    /// <summary>The libtorch version TorchSharp is running on.</summary>
    public static string LibTorchVersion() => torch.__version__;

    /// <summary>TorchSharp's version, from its assembly.</summary>
    public static string TorchSharpVersion()
    {
        var assembly = typeof(torch).Assembly;
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return (informational ?? assembly.GetName().Version?.ToString() ?? "unknown").Split('+')[0];
    }

    private static string PrepareLibTorch(TorchRuntimeOptions options, DeviceRequest request, out string note)
    {
        if (preloadedLibTorch is not null)
        {
            note = $"libtorch already chosen: {preloadedLibTorch}";
            return preloadedLibTorch;
        }

        bool wantsCuda = request.Kind != DeviceKind.Cpu;
        string searched = "";
        var location = wantsCuda
            ? LibTorchLocator.Locate(options.LibTorchDirectory, probePython: true, out searched)
            : null;
        if (location is null || !location.HasCuda)
        {
            note = wantsCuda
                ? (location is null ? $"no CUDA libtorch found ({searched})" : $"{location.Directory} is a CPU-only libtorch")
                : "CPU requested";
            return "bundled CPU libtorch (TorchSharp-cpu)";
        }

        // Load the CUDA build's libraries globally before TorchSharp's native layer, so its
        // references to libtorch*.so bind to them instead of the bundled CPU copies.
        foreach (var name in new[] { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" })
        {
            string path = Path.Combine(location.Directory, name);
            if (File.Exists(path) && NativeLoader.LoadGlobal(path) is { } error)
            {
                note = $"loading {path} failed: {error}";
                return "bundled CPU libtorch (TorchSharp-cpu)";
            }
        }

        preloadedLibTorch = $"{location.Directory} ({location.Source}{(location.Version is null ? "" : ", PyTorch " + location.Version)})";
        note = $"CUDA libtorch from {location.Source}";
        return preloadedLibTorch;
    }

    private static (torch.Device Device, string Reason, int CudaCount) ChooseDevice(DeviceRequest request, string libTorchNote)
    {
        if (request.Kind == DeviceKind.Cpu)
        {
            return (torch.CPU, "cpu requested", 0);
        }

        bool cudaReady = torch.TryInitializeDeviceType(DeviceType.CUDA) && torch.cuda.is_available();
        int count = cudaReady ? torch.cuda.device_count() : 0;
        if (count > 0)
        {
            int index = request.Index ?? 0;
            if (index >= count)
            {
                throw new TorchRuntimeException($"cuda:{index} requested but only {count} CUDA device(s) are visible");
            }

            return (torch.device(DeviceType.CUDA, index), $"{libTorchNote}; {count} CUDA device(s)", count);
        }

        string why = cudaReady ? "no CUDA device visible" : libTorchNote;
        if (request.Kind == DeviceKind.Cuda)
        {
            throw new TorchRuntimeException(
                $"CUDA requested but not usable: {why}. Point --libtorch or {LibTorchLocator.EnvironmentVariable} at a CUDA libtorch lib folder (e.g. <site-packages>/torch/lib), or use --device cpu.");
        }

        return (torch.CPU, $"auto: CPU because {why}", 0);
    }
}
