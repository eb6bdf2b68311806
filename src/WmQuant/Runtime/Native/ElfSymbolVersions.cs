// This file is compiled twice: into the WmQuant library (WMQ_LIBRARY defined), where the
// runtime bootstrap and the tests use ElfSymbolVersions, and as an MSBuild inline task
// (RoslynCodeTaskFactory, see buildTransitive/WmQuant.targets), where the task class at
// the bottom patches libLibTorchSharp.so in build and publish outputs. One source, so the
// build-time patch and the runtime check can never disagree.
#nullable enable
#pragma warning disable IDE0161 // block-scoped namespace: the inline-task compiler may predate file-scoped ones
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace WmQuant.Runtime.Native
{
    /// <summary>
    /// Reads and edits the GNU symbol-versioning sections of an ELF64 little-endian shared
    /// object. Needed because TorchSharp 0.107's native layer asks for a libstdc++ version
    /// (GLIBCXX_3.4.32) that older distributions lack although only one trivial symbol uses it.
    /// </summary>
    public static class ElfSymbolVersions
    {
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>vna_flags bit that makes a missing version a warning rather than a load failure.</summary>
        public const ushort VerFlagWeak = 0x2;

        /// <summary>One version a shared object requires from one of its dependencies.</summary>
        public sealed class RequiredVersion
        {
            /// <summary>Creates a record of one vernaux entry.</summary>
            public RequiredVersion(string file, string name, ushort flags, long flagsOffset)
            {
                File = file;
                Name = name;
                Flags = flags;
                FlagsOffset = flagsOffset;
            }

            /// <summary>The dependency's file name (for example libstdc++.so.6).</summary>
            public string File { get; }

            /// <summary>The version name (for example GLIBCXX_3.4.32).</summary>
            public string Name { get; }

            /// <summary>The vna_flags value.</summary>
            public ushort Flags { get; }

            /// <summary>Byte offset of vna_flags in the file, where a patch writes.</summary>
            public long FlagsOffset { get; }

            /// <summary>Whether the loader tolerates this version being absent.</summary>
            public bool IsWeak => (Flags & VerFlagWeak) != 0;
        }

        /// <summary>Lists the versions a shared object requires (its .gnu.version_r section).</summary>
        /// <exception cref="InvalidDataException">The bytes are not a well-formed ELF64 LE object.</exception>
        public static IReadOnlyList<RequiredVersion> ReadRequiredVersions(byte[] elf)
        {
            var result = new List<RequiredVersion>();
            foreach (var section in ReadSections(elf))
            {
                if (section.Type != ShtGnuVerneed)
                {
                    continue;
                }

                var strtab = SectionAt(elf, section.Link);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    Require(entry + 16 <= elf.Length, "verneed entry runs past the end of the file");
                    ushort count = U16(elf, entry + 2);
                    string file = CString(elf, strtab.Offset + U32(elf, entry + 4), strtab);
                    long aux = entry + U32(elf, entry + 8);
                    for (int j = 0; j < count; j++)
                    {
                        Require(aux + 16 <= elf.Length, "vernaux entry runs past the end of the file");
                        ushort flags = U16(elf, aux + 4);
                        string name = CString(elf, strtab.Offset + U32(elf, aux + 8), strtab);
                        result.Add(new RequiredVersion(file, name, flags, aux + 4));
                        uint nextAux = U32(elf, aux + 12);
                        if (nextAux == 0)
                        {
                            break;
                        }

                        aux += nextAux;
                    }

                    uint next = U32(elf, entry + 12);
                    if (next == 0)
                    {
                        break;
                    }

                    entry += next;
                }
            }

            return result;
        }

        /// <summary>Lists the versions a shared object defines (its .gnu.version_d section).</summary>
        public static IReadOnlyList<string> ReadDefinedVersions(byte[] elf)
        {
            var result = new List<string>();
            foreach (var section in ReadSections(elf))
            {
                if (section.Type != ShtGnuVerdef)
                {
                    continue;
                }

                var strtab = SectionAt(elf, section.Link);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    Require(entry + 20 <= elf.Length, "verdef entry runs past the end of the file");
                    long aux = entry + U32(elf, entry + 12);
                    Require(aux + 8 <= elf.Length, "verdaux entry runs past the end of the file");
                    result.Add(CString(elf, strtab.Offset + U32(elf, aux), strtab));
                    uint next = U32(elf, entry + 16);
                    if (next == 0)
                    {
                        break;
                    }

                    entry += next;
                }
            }

            return result;
        }

        /// <summary>
        /// Marks the named required version weak. Returns the number of entries changed
        /// (0 when already weak or absent), so a second call is a no-op.
        /// </summary>
        public static int MarkRequiredVersionWeak(byte[] elf, string versionName)
        {
            int changed = 0;
            foreach (var required in ReadRequiredVersions(elf))
            {
                if (required.Name == versionName && !required.IsWeak)
                {
                    ushort flags = (ushort)(required.Flags | VerFlagWeak);
                    elf[required.FlagsOffset] = (byte)(flags & 0xff);
                    elf[required.FlagsOffset + 1] = (byte)(flags >> 8);
                    changed++;
                }
            }

            return changed;
        }

        /// <summary>
        /// Patches a file in place, atomically (temporary file and rename, so a hard link
        /// into a package cache is never written through). Returns entries changed.
        /// </summary>
        public static int PatchFile(string path, string versionName)
        {
            byte[] bytes = File.ReadAllBytes(path);
            int changed = MarkRequiredVersionWeak(bytes, versionName);
            if (changed == 0)
            {
                return 0;
            }

            string temp = path + ".wmq-patch.tmp";
            File.WriteAllBytes(temp, bytes);
            ReplaceAtomically(temp, path);
            return changed;
        }

        /// <summary>Whether the file defines the given version (reads the whole file).</summary>
        public static bool DefinesVersion(string path, string versionName)
        {
            foreach (var name in ReadDefinedVersions(File.ReadAllBytes(path)))
            {
                if (name == versionName)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> (rename(2) on Unix).</summary>
        public static void ReplaceAtomically(string source, string destination)
        {
            if (File.Exists(destination))
            {
                File.Replace(source, destination, null);
            }
            else
            {
                File.Move(source, destination);
            }
        }

        private readonly struct Section
        {
            public Section(uint type, long offset, long size, uint link, uint info)
            {
                Type = type;
                Offset = offset;
                Size = size;
                Link = link;
                Info = info;
            }

            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
            public uint Info { get; }
        }

        private static List<Section> ReadSections(byte[] elf)
        {
            Require(elf.Length >= 64, "file is shorter than an ELF64 header");
            Require(elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F', "not an ELF file (bad magic)");
            Require(elf[4] == 2, "not a 64-bit ELF file");
            Require(elf[5] == 1, "not a little-endian ELF file");
            long shoff = (long)U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3A);
            ushort shnum = U16(elf, 0x3C);
            Require(shnum == 0 || shentsize == 64, "unexpected section header size " + shentsize);
            Require(shoff >= 0 && shoff + (long)shnum * 64 <= elf.Length, "section headers lie past the end of the file");
            var sections = new List<Section>(shnum);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + i * 64L;
                var s = new Section(U32(elf, h + 4), (long)U64(elf, h + 24), (long)U64(elf, h + 32), U32(elf, h + 40), U32(elf, h + 44));
                sections.Add(s);
            }

            foreach (var s in sections)
            {
                if (s.Type == ShtGnuVerdef || s.Type == ShtGnuVerneed)
                {
                    Require(s.Offset >= 0 && s.Offset + s.Size <= elf.Length, "version section lies past the end of the file");
                    Require(s.Link < sections.Count, "version section links to a missing string table");
                }
            }

            return sections;
        }

        private static Section SectionAt(byte[] elf, uint index)
        {
            var sections = ReadSections(elf);
            Require(index < sections.Count, "string table index out of range");
            var s = sections[(int)index];
            Require(s.Offset >= 0 && s.Offset + s.Size <= elf.Length, "string table lies past the end of the file");
            return s;
        }

        private static string CString(byte[] elf, long offset, Section strtab)
        {
            long end = strtab.Offset + strtab.Size;
            Require(offset >= strtab.Offset && offset < end, "string offset outside its string table");
            long stop = offset;
            while (stop < end && elf[stop] != 0)
            {
                stop++;
            }

            return Encoding.ASCII.GetString(elf, (int)offset, (int)(stop - offset));
        }

        private static ushort U16(byte[] b, long o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static uint U32(byte[] b, long o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

        private static ulong U64(byte[] b, long o) => U32(b, o) | ((ulong)U32(b, o + 4) << 32);

        private static void Require(bool condition, string message)
        {
            if (!condition)
            {
                throw new InvalidDataException("ELF: " + message);
            }
        }
    }

    /// <summary>
    /// What the libstdc++ compatibility shim needs: the version TorchSharp 0.107 requires,
    /// the one symbol that uses it, and where the system library usually is.
    /// </summary>
    public static class LibStdCxxCompat
    {
        /// <summary>The version that GCC 13's libstdc++ introduced and TorchSharp 0.107 asks for.</summary>
        public const string RequiredVersion = "GLIBCXX_3.4.32";

        /// <summary>The only symbol of that version TorchSharp uses (an iostream initialisation hook).</summary>
        public const string MissingSymbol = "_ZSt21ios_base_library_initv";

        /// <summary>File name of the shim library produced next to libLibTorchSharp.so.</summary>
        public const string ShimFileName = "libwmq_stdcxx_compat.so";

        /// <summary>The native library of TorchSharp that carries the requirement.</summary>
        public const string TorchSharpNativeFileName = "libLibTorchSharp.so";

        /// <summary>C source of the shim: an empty definition, correct because libstdc++ initialises iostreams itself.</summary>
        public const string ShimSource = "void " + MissingSymbol + "(void) {}\n";

        /// <summary>Places a Linux distribution keeps libstdc++.so.6, most specific first.</summary>
        public static readonly string[] SystemLibraryCandidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        /// <summary>Finds the system libstdc++ (null when none of the usual places has it).</summary>
        public static string? FindSystemLibrary()
        {
            foreach (var candidate in SystemLibraryCandidates)
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>
        /// Whether a process using the given libstdc++ needs the shim: true when the library
        /// lacks <see cref="RequiredVersion"/>. A missing or unreadable library counts as "no
        /// shim": there is nothing to be compatible with.
        /// </summary>
        public static bool NeedsShim(string? libStdCxxPath)
        {
            if (libStdCxxPath is null || !File.Exists(libStdCxxPath))
            {
                return false;
            }

            return !ElfSymbolVersions.DefinesVersion(libStdCxxPath, RequiredVersion);
        }
    }

#if !WMQ_LIBRARY
    /// <summary>
    /// MSBuild inline task: in every libLibTorchSharp.so under <see cref="Directory"/>, marks
    /// the GLIBCXX_3.4.32 requirement weak and builds the shim beside it, when the system
    /// libstdc++ lacks that version. Does nothing on newer systems or where no copy exists.
    /// </summary>
    public class WmqPatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>The build or publish output folder.</summary>
        [Microsoft.Build.Framework.Required]
        public string Directory { get; set; } = "";

        /// <summary>Folder for intermediate files (the shim's C source).</summary>
        [Microsoft.Build.Framework.Required]
        public string IntermediateDirectory { get; set; } = "";

        /// <summary>Overrides the libstdc++ checked (tests); default: the system's.</summary>
        public string LibStdCxx { get; set; } = "";

        /// <summary>Patch and build the shim whatever this machine's libstdc++ has: output that runs elsewhere (the wmq tool package).</summary>
        public bool Force { get; set; }

        public override bool Execute()
        {
            if (!System.IO.Directory.Exists(Directory) || !System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux))
            {
                return true;
            }

            var copies = System.IO.Directory.GetFiles(Directory, LibStdCxxCompat.TorchSharpNativeFileName, SearchOption.AllDirectories);
            if (copies.Length == 0)
            {
                return true;
            }

            string? system = string.IsNullOrEmpty(LibStdCxx) ? LibStdCxxCompat.FindSystemLibrary() : LibStdCxx;
            if (!Force && !LibStdCxxCompat.NeedsShim(system))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "WmQuant: " + (system ?? "libstdc++") + " has " + LibStdCxxCompat.RequiredVersion + "; TorchSharp needs no patch.");
                return true;
            }

            foreach (var copy in copies)
            {
                int changed = ElfSymbolVersions.PatchFile(copy, LibStdCxxCompat.RequiredVersion);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, changed > 0
                    ? "WmQuant: marked " + LibStdCxxCompat.RequiredVersion + " weak in " + copy
                    : "WmQuant: " + copy + " already patched");
                string shim = Path.Combine(Path.GetDirectoryName(copy)!, LibStdCxxCompat.ShimFileName);
                if (!File.Exists(shim) && !BuildShim(shim))
                {
                    return false;
                }
            }

            return true;
        }

        private bool BuildShim(string shimPath)
        {
            System.IO.Directory.CreateDirectory(IntermediateDirectory);
            string source = Path.Combine(IntermediateDirectory, "wmq_stdcxx_compat.c");
            File.WriteAllText(source, LibStdCxxCompat.ShimSource);
            string temp = shimPath + ".tmp";
            var start = new System.Diagnostics.ProcessStartInfo("gcc", "-shared -fPIC -nostdlib -O2 -o \"" + temp + "\" \"" + source + "\"")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };

            try
            {
                using var process = System.Diagnostics.Process.Start(start)!;
                string errors = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    Log.LogError(null, "WMQ0002", null, source, 0, 0, 0, 0, "gcc failed to build the libstdc++ shim: " + errors.Trim());
                    return false;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Log.LogError(null, "WMQ0001", null, null, 0, 0, 0, 0,
                    "TorchSharp 0.107 needs " + LibStdCxxCompat.RequiredVersion + ", which this system's libstdc++ lacks, and building the one-function shim that replaces it needs a C compiler, but gcc was not found. Install it (Debian/Ubuntu: sudo apt-get install -y gcc) and build again.");
                return false;
            }

            ElfSymbolVersions.ReplaceAtomically(temp, shimPath);
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "WmQuant: built " + shimPath);
            return true;
        }
    }
#endif
}
