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
