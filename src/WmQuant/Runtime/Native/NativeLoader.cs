using System.Runtime.InteropServices;

namespace WmQuant.Runtime.Native;

/// <summary>
/// dlopen with flags .NET's NativeLibrary does not expose: RTLD_GLOBAL is what makes a
/// library's symbols visible to libraries loaded after it (the shim, a CUDA libtorch).
/// </summary>
internal static partial class NativeLoader
{
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlopenLibc(string path, int flags);

    [LibraryImport("libdl.so.2", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DlopenLibdl(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    private static partial nint DlerrorLibc();

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvNative(string name, string value, int overwrite);

    /// <summary>
    /// Sets a variable in the native environment (Environment.SetEnvironmentVariable only changes
    /// .NET's copy, which native libraries such as cuBLAS never read). Keeps an existing value.
    /// </summary>
    public static void SetNativeEnvironmentIfUnset(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
        {
            _ = SetEnvNative(name, value, 0);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>Loads a library globally and eagerly; returns null on success or the loader's error.</summary>
    public static string? LoadGlobal(string path)
    {
        nint handle;
        try
        {
            handle = DlopenLibc(path, RtldNow | RtldGlobal);
        }
        catch (EntryPointNotFoundException)
        {
            // glibc before 2.34 keeps dlopen in libdl.
            handle = DlopenLibdl(path, RtldNow | RtldGlobal);
        }

        if (handle != 0)
        {
            return null;
        }

        nint error = DlerrorLibc();
        return error == 0 ? "dlopen failed" : Marshal.PtrToStringUTF8(error);
    }
}
