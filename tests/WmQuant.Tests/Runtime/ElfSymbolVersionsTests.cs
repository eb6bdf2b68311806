using System.Security.Cryptography;
using WmQuant.Runtime.Native;

namespace WmQuant.Tests.Runtime;

public class ElfSymbolVersionsTests
{
    private static readonly (string, string[])[] TorchSharpLike =
    [
        ("libc.so.6", ["GLIBC_2.2.5", "GLIBC_2.14"]),
        ("libstdc++.so.6", ["GLIBCXX_3.4.19", LibStdCxxCompat.RequiredVersion, "CXXABI_1.3.5"]),
    ];

    [Test]
    public void Reads_every_required_version_with_its_file()
    {
        var elf = SyntheticElf.Build(TorchSharpLike, []);
        var required = ElfSymbolVersions.ReadRequiredVersions(elf);
        Assert.That(required.Select(r => $"{r.File}:{r.Name}"), Is.EqualTo(new[]
        {
            "libc.so.6:GLIBC_2.2.5", "libc.so.6:GLIBC_2.14",
            "libstdc++.so.6:GLIBCXX_3.4.19", "libstdc++.so.6:GLIBCXX_3.4.32", "libstdc++.so.6:CXXABI_1.3.5",
        }));
        Assert.That(required.All(r => !r.IsWeak));
    }

    [Test]
    public void Marking_weak_changes_exactly_one_flag_and_is_idempotent()
    {
        var original = SyntheticElf.Build(TorchSharpLike, []);
        var patched = (byte[])original.Clone();

        Assert.That(ElfSymbolVersions.MarkRequiredVersionWeak(patched, LibStdCxxCompat.RequiredVersion), Is.EqualTo(1));
        var differences = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.That(differences, Has.Count.EqualTo(1), "only the low byte of one vna_flags changes");
        var target = ElfSymbolVersions.ReadRequiredVersions(patched).Single(r => r.Name == LibStdCxxCompat.RequiredVersion);
        Assert.That(target.IsWeak);
        Assert.That(ElfSymbolVersions.ReadRequiredVersions(patched).Count(r => r.IsWeak), Is.EqualTo(1));

        var again = (byte[])patched.Clone();
        Assert.That(ElfSymbolVersions.MarkRequiredVersionWeak(again, LibStdCxxCompat.RequiredVersion), Is.Zero);
        Assert.That(again, Is.EqualTo(patched));
    }

    [Test]
    public void Reads_defined_versions()
    {
        var elf = SyntheticElf.Build([], ["libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30"]);
        Assert.That(ElfSymbolVersions.ReadDefinedVersions(elf), Is.EqualTo(new[] { "libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30" }));
    }

    [Test]
    public void Shim_is_needed_only_when_libstdcxx_lacks_the_version()
    {
        string dir = Directory.CreateTempSubdirectory("wmq-elf").FullName;
        try
        {
            string old = Path.Combine(dir, "old.so");
            string recent = Path.Combine(dir, "new.so");
            File.WriteAllBytes(old, SyntheticElf.Build([], ["GLIBCXX_3.4", "GLIBCXX_3.4.30"]));
            File.WriteAllBytes(recent, SyntheticElf.Build([], ["GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.31", "GLIBCXX_3.4.32", "GLIBCXX_3.4.33"]));

            Assert.That(LibStdCxxCompat.NeedsShim(old), Is.True);
            Assert.That(LibStdCxxCompat.NeedsShim(recent), Is.False);
            Assert.That(LibStdCxxCompat.NeedsShim(Path.Combine(dir, "missing.so")), Is.False);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestCase(new byte[0], "shorter than an ELF64 header")]
    [TestCase(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'G' }, "shorter")]
    public void Rejects_what_is_not_an_elf_file(byte[] prefix, string message)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ElfSymbolVersions.ReadRequiredVersions(prefix));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void Rejects_bad_magic_and_truncated_section_table()
    {
        var elf = SyntheticElf.Build(TorchSharpLike, []);
        var badMagic = (byte[])elf.Clone();
        badMagic[1] = (byte)'X';
        Assert.That(() => ElfSymbolVersions.ReadRequiredVersions(badMagic), Throws.TypeOf<InvalidDataException>().With.Message.Contains("bad magic"));
        var truncated = elf[..(elf.Length - 10)];
        Assert.That(() => ElfSymbolVersions.ReadRequiredVersions(truncated), Throws.TypeOf<InvalidDataException>().With.Message.Contains("past the end"));
    }

    [Test]
    public void Patching_a_file_replaces_it_atomically_and_leaves_other_links_untouched()
    {
        string dir = Directory.CreateTempSubdirectory("wmq-elf").FullName;
        try
        {
            string cache = Path.Combine(dir, "cache.so");
            string output = Path.Combine(dir, "output.so");
            File.WriteAllBytes(cache, SyntheticElf.Build(TorchSharpLike, []));
            File.CreateSymbolicLink(output + ".link", cache);
            File.Copy(cache, output);
            byte[] cacheBefore = File.ReadAllBytes(cache);

            Assert.That(ElfSymbolVersions.PatchFile(output, LibStdCxxCompat.RequiredVersion), Is.EqualTo(1));
            Assert.That(ElfSymbolVersions.PatchFile(output, LibStdCxxCompat.RequiredVersion), Is.Zero, "second patch is a no-op");
            Assert.That(File.ReadAllBytes(cache), Is.EqualTo(cacheBefore));
            Assert.That(Directory.GetFiles(dir, "*.tmp"), Is.Empty);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public void Build_output_copy_is_patched_and_the_package_cache_copy_is_not()
    {
        string? native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibStdCxxCompat.TorchSharpNativeFileName);
        Assume.That(File.Exists(native), "TorchSharp's native layer is not in this test output");
        string? system = LibStdCxxCompat.FindSystemLibrary();
        bool needsShim = LibStdCxxCompat.NeedsShim(system);
        var outputCopy = ElfSymbolVersions.ReadRequiredVersions(File.ReadAllBytes(native))
            .Single(r => r.Name == LibStdCxxCompat.RequiredVersion);
        Assert.That(outputCopy.IsWeak, Is.EqualTo(needsShim), "the build target patches exactly when the system needs it");
        Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(native)!, LibStdCxxCompat.ShimFileName)), Is.EqualTo(needsShim));

        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibStdCxxCompat.TorchSharpNativeFileName);
        Assume.That(File.Exists(cached), "package cache not found");
        var cacheCopy = ElfSymbolVersions.ReadRequiredVersions(File.ReadAllBytes(cached))
            .Single(r => r.Name == LibStdCxxCompat.RequiredVersion);
        Assert.That(cacheCopy.IsWeak, Is.False, "the NuGet cache must never be modified");
        if (needsShim)
        {
            Assert.That(SHA256.HashData(File.ReadAllBytes(cached)), Is.Not.EqualTo(SHA256.HashData(File.ReadAllBytes(native))));
        }
    }

    [Test]
    public void Shim_status_matches_this_system()
    {
        var status = LibStdCxxShim.Status;
        Assert.That(status.Needed, Is.EqualTo(LibStdCxxCompat.NeedsShim(status.LibStdCxxPath)));
        if (status.Needed)
        {
            Assert.That(status.Loaded, Is.True, status.Detail);
        }
    }
}
