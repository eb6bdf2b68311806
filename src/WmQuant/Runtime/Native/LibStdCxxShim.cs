using System.Runtime.CompilerServices;

namespace WmQuant.Runtime.Native;

/// <summary>What the libstdc++ compatibility step found and did in this process.</summary>
/// <param name="LibStdCxxPath">The libstdc++ the process uses (null when none was found).</param>
/// <param name="Needed">Whether that libstdc++ lacks the version TorchSharp asks for.</param>
/// <param name="Loaded">Whether the shim is loaded (always false when not needed).</param>
/// <param name="Detail">One line for `wmq doctor` and for error messages.</param>
public sealed record LibStdCxxShimStatus(string? LibStdCxxPath, bool Needed, bool Loaded, string Detail);

/// <summary>
/// Loads the libstdc++ shim before TorchSharp's native layer, so TorchSharp 0.107 runs on
/// distributions with GCC 12's libstdc++. The build produces the shim
/// (buildTransitive/WmQuant.targets); this only finds and loads it, and patches the
/// TorchSharp library itself when a build step was bypassed.
/// </summary>
public static class LibStdCxxShim
{
    private static readonly Lock Gate = new();
    private static LibStdCxxShimStatus? status;

    /// <summary>The outcome of <see cref="EnsureLoaded"/> (runs it on first use).</summary>
    public static LibStdCxxShimStatus Status => EnsureLoaded();

    /// <summary>Idempotent; safe to call from every entry point.</summary>
    public static LibStdCxxShimStatus EnsureLoaded()
    {
        lock (Gate)
        {
            return status ??= Load();
        }
    }

#pragma warning disable CA2255 // A library module initializer is the point: TorchSharp must never start before the shim.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadOnModuleInitialization()
    {
        try
        {
            EnsureLoaded();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Reported through Status by the next caller; a module initializer must not throw.
            status = new LibStdCxxShimStatus(null, true, false, "shim setup failed: " + ex.Message);
        }
    }

    private static LibStdCxxShimStatus Load()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new LibStdCxxShimStatus(null, false, false, "not Linux: no shim needed");
        }

        string? libStdCxx = FindLoadedLibStdCxx() ?? LibStdCxxCompat.FindSystemLibrary();
        if (!LibStdCxxCompat.NeedsShim(libStdCxx))
        {
            return new LibStdCxxShimStatus(libStdCxx, false, false,
                $"{libStdCxx ?? "libstdc++"} provides {LibStdCxxCompat.RequiredVersion}: no shim needed");
        }

        string? nativeDir = FindTorchSharpNativeDirectory();
        if (nativeDir is null)
        {
            return new LibStdCxxShimStatus(libStdCxx, true, false,
                $"{LibStdCxxCompat.TorchSharpNativeFileName} not found next to the application; TorchSharp will fail to load");
        }

        string torchSharpNative = Path.Combine(nativeDir, LibStdCxxCompat.TorchSharpNativeFileName);
        string shim = Path.Combine(nativeDir, LibStdCxxCompat.ShimFileName);
        bool patchedNow = TryPatch(torchSharpNative);
        if (!File.Exists(shim))
        {
            return new LibStdCxxShimStatus(libStdCxx, true, false,
                $"{libStdCxx} lacks {LibStdCxxCompat.RequiredVersion} and the shim {shim} is missing: rebuild the project (the WmQuant build targets make it; they need gcc: apt-get install -y gcc)");
        }

        string? error = NativeLoader.LoadGlobal(shim);
        return error is null
            ? new LibStdCxxShimStatus(libStdCxx, true, true,
                $"{libStdCxx} lacks {LibStdCxxCompat.RequiredVersion}: shim loaded ({shim}){(patchedNow ? "; TorchSharp library patched at start-up" : "")}")
            : new LibStdCxxShimStatus(libStdCxx, true, false, $"loading the shim {shim} failed: {error}");
    }

    private static bool TryPatch(string torchSharpNative)
    {
        try
        {
            return ElfSymbolVersions.PatchFile(torchSharpNative, LibStdCxxCompat.RequiredVersion) > 0;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Where TorchSharp will look for its native layer: the app folder or its runtimes/ tree.</summary>
    internal static string? FindTorchSharpNativeDirectory()
    {
        string baseDir = AppContext.BaseDirectory;
        foreach (var dir in new[] { baseDir, Path.Combine(baseDir, "runtimes", "linux-x64", "native") })
        {
            if (File.Exists(Path.Combine(dir, LibStdCxxCompat.TorchSharpNativeFileName)))
            {
                return dir;
            }
        }

        return null;
    }

    /// <summary>The libstdc++ mapped into this process (the .NET host loads one), from /proc/self/maps.</summary>
    internal static string? FindLoadedLibStdCxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal))
                {
                    return line[slash..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
