using System.Runtime.InteropServices;

namespace WmQuant.IO;

/// <summary>What a path names once every link is followed; only <see cref="Regular"/> files are ever read as input.</summary>
public enum FileKind
{
    /// <summary>Nothing exists there.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A FIFO (named pipe): opening it waits for a writer, reading it never ends.</summary>
    Fifo,

    /// <summary>A character device such as /dev/zero (endless) or a terminal.</summary>
    CharacterDevice,

    /// <summary>A block device (a whole disk).</summary>
    BlockDevice,

    /// <summary>A Unix domain socket.</summary>
    Socket,
}

/// <summary>A path resolved the way the operating system resolves it, or why it cannot be.</summary>
/// <param name="Full">The absolute path as written (lexically normalised): what messages and relative paths use.</param>
/// <param name="Real">
/// The path with every component's symbolic links followed (the file actually opened); null when it cannot be
/// resolved. Components that do not exist yet are kept as written, so an output folder still to be made resolves.
/// </param>
/// <param name="Problem">Why it cannot be resolved (a NUL character, a link loop, a name too long), or null.</param>
public sealed record ResolvedPath(string Full, string? Real, string? Problem)
{
    /// <summary>True when <see cref="Real"/> is known.</summary>
    public bool Ok => Real is not null;
}

/// <summary>
/// The one path policy: every path a recipe or a command names is resolved component by component, following each
/// symbolic link (as <c>realpath</c> does, so <c>link/..</c> goes where the kernel would go), before anything checks
/// where it leads. NUL characters and link loops are refused rather than passed to the operating system.
/// </summary>
public static partial class PathPolicy
{
    /// <summary>Links followed before a path is called a loop; the Linux kernel gives up after 40 too (ELOOP).</summary>
    public const int MaxLinks = 40;

    /// <summary>Longest file name (one path component) Linux file systems accept, in bytes.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Resolves <paramref name="path"/> (relative to <paramref name="baseDirectory"/>, else the working directory).</summary>
    public static ResolvedPath Resolve(string path, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('\0', StringComparison.Ordinal) || (baseDirectory?.Contains('\0', StringComparison.Ordinal) ?? false))
        {
            return new ResolvedPath(path, null, "the path contains a NUL character, which no file name can hold");
        }

        string joined = Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), path);
        string full;
        try
        {
            full = Path.GetFullPath(joined);
        }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            return new ResolvedPath(path, null, $"the path cannot be used: {e.Message}");
        }

        if (OperatingSystem.IsWindows())
        {
            return new ResolvedPath(full, full, null);
        }

        try
        {
            return Walk(joined, full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ResolvedPath(full, null, $"the path cannot be resolved: {e.Message}");
        }
    }

    /// <summary>True when <paramref name="realPath"/> is <paramref name="realRoot"/> or lies under it (both already resolved).</summary>
    public static bool IsInside(string realPath, string realRoot)
    {
        ArgumentNullException.ThrowIfNull(realPath);
        ArgumentNullException.ThrowIfNull(realRoot);
        string root = Path.TrimEndingDirectorySeparator(realRoot);
        return realPath == root || realPath.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || (root.Length == 1 && root[0] == Path.DirectorySeparatorChar);
    }

    /// <summary>What is at a resolved path. On Linux from statx (a FIFO and /dev/zero look like files to .NET); elsewhere files and folders only.</summary>
    public static FileKind KindOf(string realPath)
    {
        ArgumentNullException.ThrowIfNull(realPath);
        if (OperatingSystem.IsLinux() && StatxMode(realPath) is { } mode)
        {
            return (mode & 0xF000) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0x1000 => FileKind.Fifo,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0xC000 => FileKind.Socket,
                0 => FileKind.Missing,
                _ => FileKind.Regular,
            };
        }

        return Directory.Exists(realPath) ? FileKind.Directory : File.Exists(realPath) ? FileKind.Regular : FileKind.Missing;
    }

    /// <summary>How a kind reads in "is a directory, not a file" messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        _ => "a socket",
    };

    private static ResolvedPath Walk(string joined, string full)
    {
        // Remaining components, next one on top; a link's target is pushed in front of what followed the link.
        var pending = new Stack<string>();
        PushComponents(pending, joined);
        string current = "/";
        int links = 0;
        while (pending.Count > 0)
        {
            string component = pending.Pop();
            if (component is "" or ".")
            {
                continue;
            }

            if (component == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            if (System.Text.Encoding.UTF8.GetByteCount(component) > MaxNameBytes)
            {
                return new ResolvedPath(full, null, $"a component of the path is longer than {MaxNameBytes} bytes, more than any file system allows");
            }

            string candidate = Path.Join(current, component);
            string? target = LinkTargetOf(candidate);
            if (target is null)
            {
                current = candidate;
                continue;
            }

            if (++links > MaxLinks)
            {
                return new ResolvedPath(full, null, $"the path goes through more than {MaxLinks} symbolic links: a link loop (at {candidate})");
            }

            if (target.Contains('\0', StringComparison.Ordinal))
            {
                return new ResolvedPath(full, null, $"the symbolic link {candidate} holds a NUL character");
            }

            PushComponents(pending, target);
            if (Path.IsPathRooted(target))
            {
                current = "/";
            }
        }

        return new ResolvedPath(full, current, null);
    }

    /// <summary>The link's target, or null when <paramref name="path"/> is not a link (or not there, or not reachable: opening it says why).</summary>
    private static string? LinkTargetOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    /// <summary>st_mode through statx(2), whose buffer layout is the same on every Linux architecture; null when unavailable.</summary>
    private static int? StatxMode(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        try
        {
            // AT_FDCWD, no flags (follow links: the path is resolved already), STATX_TYPE.
            if (Statx(-100, path, 0, 0x1, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return Marshal.GetLastPInvokeError() == 2 ? 0 : null; // ENOENT: missing; anything else: ask .NET instead.
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        return BitConverter.ToUInt16(buffer[28..30]);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, ref byte buffer);
}
