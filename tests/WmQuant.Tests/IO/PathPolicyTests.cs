using WmQuant.IO;

namespace WmQuant.Tests.IO;

/// <summary>Paths resolved as the kernel resolves them, every component's links followed, before anything judges where they lead.</summary>
public sealed class PathPolicyTests
{
    private DirectoryInfo folder = null!;

    [SetUp]
    public void Create()
    {
        Assume.That(OperatingSystem.IsLinux(), "symbolic links and FIFOs as Linux has them");
        folder = Directory.CreateTempSubdirectory("wmq-paths-");
    }

    [TearDown]
    public void Delete() => folder?.Delete(recursive: true);

    private string P(params string[] parts) => Path.Combine([folder.FullName, .. parts]);

    [Test]
    public void A_link_in_the_middle_of_a_path_is_followed_and_dot_dot_applies_to_where_it_leads()
    {
        Directory.CreateDirectory(P("real", "deep"));
        Directory.CreateDirectory(P("repo"));
        Directory.CreateSymbolicLink(P("repo", "link"), P("real", "deep"));

        Assert.Multiple(() =>
        {
            Assert.That(PathPolicy.Resolve(P("repo", "link", "x.yaml")).Real, Is.EqualTo(P("real", "deep", "x.yaml")));
            // Lexically repo/link/.. is repo; the kernel goes to real/.
            Assert.That(PathPolicy.Resolve(P("repo", "link", "..", "x.yaml")).Real, Is.EqualTo(P("real", "x.yaml")));
            Assert.That(PathPolicy.Resolve("link/x.yaml", P("repo")).Full, Is.EqualTo(P("repo", "link", "x.yaml")), "Full keeps the path as written");
        });
    }

    [Test]
    public void Relative_links_resolve_against_their_own_folder_and_chains_of_links_are_followed()
    {
        Directory.CreateDirectory(P("a", "b"));
        File.WriteAllText(P("a", "b", "file"), "x");
        File.CreateSymbolicLink(P("a", "first"), "second");
        File.CreateSymbolicLink(P("a", "second"), "b/file");

        Assert.That(PathPolicy.Resolve(P("a", "first")).Real, Is.EqualTo(P("a", "b", "file")));
    }

    [Test]
    public void Loops_NUL_characters_and_overlong_names_are_problems_not_exceptions()
    {
        File.CreateSymbolicLink(P("x"), "y");
        File.CreateSymbolicLink(P("y"), "x");

        Assert.Multiple(() =>
        {
            Assert.That(PathPolicy.Resolve(P("x", "file")).Problem, Does.Contain("link loop"));
            Assert.That(PathPolicy.Resolve("a\0b", folder.FullName).Problem, Does.Contain("NUL"));
            Assert.That(PathPolicy.Resolve(new string('n', 300), folder.FullName).Problem, Does.Contain("longer than 255 bytes"));
        });
    }

    [Test]
    public void Missing_components_are_kept_so_a_folder_still_to_be_made_resolves()
    {
        Assert.That(PathPolicy.Resolve(P("not", "yet", "there")).Real, Is.EqualTo(P("not", "yet", "there")));
    }

    [Test]
    public void The_boundary_is_judged_on_resolved_paths()
    {
        Directory.CreateDirectory(P("repo"));
        Directory.CreateSymbolicLink(P("repo", "etc"), "/etc");
        var boundary = new RepositoryBoundary(P("repo"));

        Assert.Multiple(() =>
        {
            Assert.That(boundary.Contains(P("repo", "models", "m.safetensors")), Is.True);
            Assert.That(boundary.Contains(P("repo", "etc", "passwd")), Is.False);
            Assert.That(boundary.Contains(P("repo", "..", "repo2", "x")), Is.False, "a sibling whose name starts like the root is outside");
            Assert.That(boundary.Escape(PathPolicy.Resolve(P("repo", "etc", "passwd")), "base recipe", "etc/passwd"),
                Does.StartWith("base recipe 'etc/passwd' leads through a symbolic link to /etc/passwd, outside the repository"));
        });
    }

    [Test]
    public void File_kinds_come_from_the_file_system_not_from_opening_the_file()
    {
        string fifo = P("pipe");
        var made = System.Diagnostics.Process.Start("mkfifo", fifo);
        made.WaitForExit();
        Assume.That(made.ExitCode, Is.EqualTo(0), "mkfifo");

        Assert.Multiple(() =>
        {
            Assert.That(PathPolicy.KindOf(fifo), Is.EqualTo(FileKind.Fifo));
            Assert.That(PathPolicy.KindOf("/dev/zero"), Is.EqualTo(FileKind.CharacterDevice));
            Assert.That(PathPolicy.KindOf(folder.FullName), Is.EqualTo(FileKind.Directory));
            Assert.That(PathPolicy.KindOf(P("absent")), Is.EqualTo(FileKind.Missing));
        });
    }
}
