using System.Buffers.Binary;
using System.Text;

namespace WmQuant.Tests.IO.Safetensors;

/// <summary>A private temporary folder per test, removed afterwards, plus raw file assembly.</summary>
internal sealed class SafetensorsTestFolder : IDisposable
{
    public SafetensorsTestFolder()
    {
        Root = Directory.CreateTempSubdirectory("wmq-safetensors-").FullName;
    }

    public string Root { get; }

    public string File(string name) => Path.Combine(Root, name);

    public string[] Entries() => Directory.GetFileSystemEntries(Root).Select(Path.GetFileName).ToArray()!;

    public string WriteRaw(string name, byte[] bytes)
    {
        var path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    /// <summary>Prefix + header (padded with spaces to a multiple of 8, as the reference does) + data.</summary>
    public static byte[] Assemble(string headerJson, byte[]? data = null, bool pad = true)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var length = pad ? (header.Length + 7) / 8 * 8 : header.Length;
        return AssembleRaw((ulong)length, header.Concat(Enumerable.Repeat((byte)' ', length - header.Length)).ToArray(), data);
    }

    /// <summary>Any declared header length with any header bytes: for lying prefixes.</summary>
    public static byte[] AssembleRaw(ulong declaredHeaderLength, byte[] header, byte[]? data = null)
    {
        var bytes = new byte[8 + header.Length + (data?.Length ?? 0)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength);
        header.CopyTo(bytes, 8);
        data?.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }
}
