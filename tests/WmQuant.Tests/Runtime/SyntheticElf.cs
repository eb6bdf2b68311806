using System.Text;

namespace WmQuant.Tests.Runtime;

/// <summary>
/// Builds tiny ELF64 little-endian files with just the sections the version code reads:
/// a string table, a .gnu.version_r (requirements) and a .gnu.version_d (definitions).
/// </summary>
internal static class SyntheticElf
{
    public static byte[] Build(IReadOnlyList<(string File, string[] Versions)> requirements, IReadOnlyList<string> definitions, ushort requirementFlags = 0)
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        var offsets = new Dictionary<string, int>();
        int Str(string s)
        {
            if (!offsets.TryGetValue(s, out int o))
            {
                o = (int)strings.Length;
                var bytes = Encoding.ASCII.GetBytes(s);
                strings.Write(bytes);
                strings.WriteByte(0);
                offsets[s] = o;
            }

            return o;
        }

        // .gnu.version_r: Verneed (16 bytes) followed by its Vernaux entries (16 bytes each).
        var verneed = new List<byte>();
        for (int i = 0; i < requirements.Count; i++)
        {
            var (file, versions) = requirements[i];
            int size = 16 + (16 * versions.Length);
            verneed.AddRange(U16(1));
            verneed.AddRange(U16((ushort)versions.Length));
            verneed.AddRange(U32((uint)Str(file)));
            verneed.AddRange(U32(16));
            verneed.AddRange(U32(i == requirements.Count - 1 ? 0u : (uint)size));
            for (int j = 0; j < versions.Length; j++)
            {
                verneed.AddRange(U32(0x12345678));
                verneed.AddRange(U16(requirementFlags));
                verneed.AddRange(U16((ushort)(2 + j)));
                verneed.AddRange(U32((uint)Str(versions[j])));
                verneed.AddRange(U32(j == versions.Length - 1 ? 0u : 16u));
            }
        }

        // .gnu.version_d: Verdef (20 bytes) followed by one Verdaux (8 bytes).
        var verdef = new List<byte>();
        for (int i = 0; i < definitions.Count; i++)
        {
            verdef.AddRange(U16(1));
            verdef.AddRange(U16(0));
            verdef.AddRange(U16((ushort)(i + 1)));
            verdef.AddRange(U16(1));
            verdef.AddRange(U32(0));
            verdef.AddRange(U32(20));
            verdef.AddRange(U32(i == definitions.Count - 1 ? 0u : 28u));
            verdef.AddRange(U32((uint)Str(definitions[i])));
            verdef.AddRange(U32(0));
        }

        byte[] strtab = strings.ToArray();
        long strtabOffset = 64;
        long verneedOffset = strtabOffset + strtab.Length;
        long verdefOffset = verneedOffset + verneed.Count;
        long shoff = (verdefOffset + verdef.Count + 7) / 8 * 8;
        var file2 = new byte[shoff + (4 * 64)];
        file2[0] = 0x7f;
        file2[1] = (byte)'E';
        file2[2] = (byte)'L';
        file2[3] = (byte)'F';
        file2[4] = 2;
        file2[5] = 1;
        file2[6] = 1;
        Put(file2, 0x10, U16(3));
        Put(file2, 0x28, U64((ulong)shoff));
        Put(file2, 0x3A, U16(64));
        Put(file2, 0x3C, U16(4));
        Put(file2, 0x3E, U16(1));
        Array.Copy(strtab, 0, file2, strtabOffset, strtab.Length);
        verneed.CopyTo(file2, (int)verneedOffset);
        verdef.CopyTo(file2, (int)verdefOffset);
        Section(file2, shoff, 1, 3, strtabOffset, strtab.Length, 0, 0);
        Section(file2, shoff, 2, 0x6ffffffe, verneedOffset, verneed.Count, 1, (uint)requirements.Count);
        Section(file2, shoff, 3, 0x6ffffffd, verdefOffset, verdef.Count, 1, (uint)definitions.Count);
        return file2;
    }

    private static void Section(byte[] f, long shoff, int index, uint type, long offset, long size, uint link, uint info)
    {
        long h = shoff + (index * 64L);
        Put(f, h + 4, U32(type));
        Put(f, h + 24, U64((ulong)offset));
        Put(f, h + 32, U64((ulong)size));
        Put(f, h + 40, U32(link));
        Put(f, h + 44, U32(info));
    }

    private static void Put(byte[] f, long at, byte[] bytes) => Array.Copy(bytes, 0, f, at, bytes.Length);

    private static byte[] U16(ushort v) => BitConverter.GetBytes(v);

    private static byte[] U32(uint v) => BitConverter.GetBytes(v);

    private static byte[] U64(ulong v) => BitConverter.GetBytes(v);
}
