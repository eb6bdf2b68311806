using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// A safetensors file opened for reading: the header is read and fully validated on
/// <see cref="Open"/>, the data buffer is memory-mapped, so tensor bytes are read lazily
/// and without copies. Dispose it to unmap; spans handed out before that become invalid.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted, as in the reference: a bound on what a hostile file can make us parse.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const int PrefixLength = 8;

    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly long _dataStart;
    private byte* _base;
    private bool _disposed;

    private SafetensorsFile(
        string path, SafetensorsHeader header, long dataStart, long dataLength,
        MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePointer)
    {
        Path = path;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        _byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _dataStart = dataStart;
        DataLength = dataLength;
        _map = map;
        _view = view;
        _base = basePointer;
    }

    /// <summary>The path the file was opened from, as given (messages quote it).</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in file order (ascending offsets).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>Size of the data buffer (everything after the header) in bytes.</summary>
    public long DataLength { get; }

    /// <summary>Byte offset of the data buffer in the file (8 + header length).</summary>
    public long DataStart => _dataStart;

    /// <summary>
    /// Opens and validates <paramref name="path"/>. Throws <see cref="SafetensorsFormatException"/>
    /// naming the problem (and tensor) when the file is malformed; I/O errors pass through.
    /// </summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            var fileLength = stream.Length;
            var headerLength = ReadHeaderLength(path, stream, fileLength);
            var header = new byte[headerLength];
            stream.ReadExactly(header);

            var dataStart = PrefixLength + headerLength;
            var dataLength = fileLength - dataStart;
            var parsed = SafetensorsHeaderParser.Parse(path, header, dataLength);

            byte* basePointer = null;
            if (dataLength > 0)
            {
                // Map the whole file: offsets stay simple and the view never has length 0.
                map = MemoryMappedFile.CreateFromFile(
                    stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                    HandleInheritability.None, leaveOpen: false);
                view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                if (view.Capacity < fileLength)
                {
                    throw new SafetensorsFormatException(path, null,
                        $"the file shrank while it was being opened ({fileLength} bytes, then {view.Capacity})");
                }

                view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
                basePointer += view.PointerOffset;
            }
            else
            {
                stream.Dispose();
            }

            return new SafetensorsFile(path, parsed, dataStart, dataLength, map, view, basePointer);
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file has a tensor of that exact (case-sensitive) name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The entry for <paramref name="name"/>; a missing name is a caller bug and throws <see cref="KeyNotFoundException"/>.</summary>
    public SafetensorsTensorInfo Get(string name) =>
        _byName.TryGetValue(name, out var info) ? info : throw MissingTensor(name);

    /// <summary>
    /// A view of the tensor's bytes in the mapping, valid until <see cref="Dispose"/>. Tensors
    /// over 2 GiB do not fit a span; read those in chunks with <see cref="CopyTo(string, long, Span{byte})"/>.
    /// </summary>
    public ReadOnlySpan<byte> GetSpan(string name)
    {
        var info = Get(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new InvalidOperationException(
                $"{Path}: tensor '{name}' is {info.ByteLength} bytes, too large for one span; read it in chunks with CopyTo(name, offset, destination)");
        }

        return new ReadOnlySpan<byte>(Pointer(info), (int)info.ByteLength);
    }

    /// <summary>
    /// The tensor's elements reinterpreted as <typeparamref name="T"/> (e.g. float for F32,
    /// Half for F16, sbyte for I8). The element size must match the dtype's.
    /// </summary>
    public ReadOnlySpan<T> GetSpan<T>(string name)
        where T : unmanaged
    {
        var info = Get(name);
        if (sizeof(T) != info.DType.ElementSize())
        {
            throw new InvalidOperationException(
                $"{Path}: tensor '{name}' is {info.DType.ToJsonName()} ({info.DType.ElementSize()} bytes per element); {typeof(T).Name} has {sizeof(T)}");
        }

        return MemoryMarshal.Cast<byte, T>(GetSpan(name));
    }

    /// <summary>A copy of the tensor's bytes that outlives the file.</summary>
    public byte[] ReadBytes(string name)
    {
        var source = GetSpan(name);
        var copy = GC.AllocateUninitializedArray<byte>(source.Length);
        source.CopyTo(copy);
        return copy;
    }

    /// <summary>Copies the whole tensor into <paramref name="destination"/>, which must be exactly its byte length.</summary>
    public void CopyTo(string name, Span<byte> destination)
    {
        var info = Get(name);
        if (destination.Length != info.ByteLength)
        {
            throw new ArgumentException(
                $"tensor '{name}' has {info.ByteLength} bytes; destination has {destination.Length}", nameof(destination));
        }

        CopyTo(name, 0, destination);
    }

    /// <summary>
    /// Copies <c>destination.Length</c> bytes starting <paramref name="offset"/> bytes into the
    /// tensor: reads tensors too large for one span in chunks.
    /// </summary>
    public void CopyTo(string name, long offset, Span<byte> destination)
    {
        var info = Get(name);
        if (offset < 0 || offset > info.ByteLength - destination.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"bytes [{offset}, {offset + destination.Length}) are outside tensor '{name}' ({info.ByteLength} bytes)");
        }

        if (destination.Length > 0)
        {
            new ReadOnlySpan<byte>(Pointer(info) + offset, destination.Length).CopyTo(destination);
        }
    }

    /// <summary>Unmaps the file; spans obtained earlier must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_base is not null)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            _base = null;
        }

        _view?.Dispose();
        _map?.Dispose();
    }

    private byte* Pointer(SafetensorsTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // An all-empty data buffer is never mapped; a null pointer with length 0 is a valid empty span.
        return info.ByteLength == 0 ? null : _base + _dataStart + info.Begin;
    }

    private KeyNotFoundException MissingTensor(string name)
    {
        const int Shown = 5;
        var names = Tensors.Take(Shown).Select(t => $"'{t.Name}'");
        var more = Tensors.Count > Shown ? $", ... ({Tensors.Count} in all)" : string.Empty;
        var listing = Tensors.Count == 0 ? "the file has no tensors" : $"it has {string.Join(", ", names)}{more}";
        return new KeyNotFoundException($"{Path}: no tensor named '{name}'; {listing}");
    }

    private static long ReadHeaderLength(string path, FileStream stream, long fileLength)
    {
        if (fileLength < PrefixLength)
        {
            throw new SafetensorsFormatException(path, null,
                $"file is {fileLength} bytes, shorter than the 8-byte header length prefix");
        }

        Span<byte> prefix = stackalloc byte[PrefixLength];
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0)
        {
            throw new SafetensorsFormatException(path, null,
                "header length is 0; even a file without tensors has a header ('{}')");
        }

        if (headerLength > MaxHeaderLength)
        {
            throw new SafetensorsFormatException(path, null,
                $"header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes");
        }

        if ((long)headerLength > fileLength - PrefixLength)
        {
            throw new SafetensorsFormatException(path, null,
                $"header length {headerLength} runs past the end of the file (only {fileLength - PrefixLength} bytes follow the length prefix)");
        }

        return (long)headerLength;
    }
}
