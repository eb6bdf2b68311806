using WmQuant.Build.Tooling;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.BuildTasks;

[TestFixture]
public class WmqLocatorTests
{
    [Test]
    public void Dll_runs_through_the_dotnet_host_of_the_build()
    {
        using var folder = new TempFolder("wmq-loc");
        string dll = folder.Write("tool/wmq.dll", "");
        string host = folder.Write("host/dotnet", "");
        var launch = WmqLocator.Locate("tool/wmq.dll", folder.Path, host, null, out string? problem);
        Assert.That(problem, Is.Null);
        Assert.That(launch, Is.EqualTo(new WmqLaunch(host, dll)));
    }

    [Test]
    public void Folder_prefers_the_apphost_and_falls_back_to_the_dll()
    {
        using var folder = new TempFolder("wmq-loc");
        string dll = folder.Write("bin/wmq.dll", "");
        string host = folder.Write("dotnet", "");
        Assert.That(WmqLocator.Locate("bin", folder.Path, host, null, out _), Is.EqualTo(new WmqLaunch(host, dll)));

        string apphost = folder.Write("bin/wmq", "");
        Assert.That(WmqLocator.Locate("bin", folder.Path, host, null, out _), Is.EqualTo(new WmqLaunch(apphost, null)));
    }

    [Test]
    public void Empty_setting_searches_path()
    {
        using var folder = new TempFolder("wmq-loc");
        string onPath = folder.Write("b/wmq", "");
        string path = string.Join(Path.PathSeparator, folder.Combine("a"), folder.Combine("b"));
        Assert.That(WmqLocator.Locate("", folder.Path, null, path, out _), Is.EqualTo(new WmqLaunch(onPath, null)));
        Assert.That(WmqLocator.Locate("wmq", folder.Path, null, path, out _), Is.EqualTo(new WmqLaunch(onPath, null)));
    }

    private const string ManifestWithWmq = """
        { "version": 1, "isRoot": true, "tools": { "wmquant.cli": { "version": "0.1.0", "commands": ["wmq"], "rollForward": false } } }
        """;

    [Test]
    public void A_tool_manifest_above_the_project_runs_wmq_as_a_local_tool_before_path()
    {
        using var folder = new TempFolder("wmq-loc");
        string manifest = folder.Write(".config/dotnet-tools.json", ManifestWithWmq);
        string host = folder.Write("host/dotnet", "");
        folder.Write("b/wmq", "");
        Directory.CreateDirectory(folder.Combine("src", "app"));

        var launch = WmqLocator.Locate("", folder.Combine("src", "app"), host, folder.Combine("b"), out string? problem);

        Assert.That(problem, Is.Null);
        Assert.That(launch, Is.EqualTo(new WmqLaunch(host, null, manifest)));
        Assert.That(launch!.Prefix, Is.EqualTo(new[] { "tool", "run", "wmq" }));
        Assert.That(WmqLocator.Locate("tool/wmq.dll", folder.Path, host, null, out _), Is.Null, "an explicit setting never falls back to the manifest");
    }

    [Test]
    public void The_manifest_search_looks_where_dotnet_does_and_stops_at_a_root_manifest()
    {
        using var folder = new TempFolder("wmq-loc");
        string host = folder.Write("dotnet", "");
        string outer = folder.Write("dotnet-tools.json", ManifestWithWmq);
        Directory.CreateDirectory(folder.Combine("a", "b"));
        Assert.That(WmqLocator.Locate("", folder.Combine("a", "b"), host, null, out _)?.Manifest, Is.EqualTo(outer), "dotnet-tools.json beside .config/ counts too");

        // A nearer manifest without wmq that is not a root lets the search go on; one marked isRoot ends it.
        folder.Write("a/.config/dotnet-tools.json", """{ "version": 1, "isRoot": false, "tools": { "cake.tool": { "version": "7.0.0", "commands": ["dotnet-cake"] } } }""");
        Assert.That(WmqLocator.Locate("", folder.Combine("a", "b"), host, null, out _)?.Manifest, Is.EqualTo(outer));
        folder.Write("a/.config/dotnet-tools.json", """{ "version": 1, "isRoot": true, "tools": { "cake.tool": { "version": "7.0.0", "commands": ["dotnet-cake"] } } }""");
        Assert.That(WmqLocator.Locate("", folder.Combine("a", "b"), host, null, out string? problem), Is.Null);
        Assert.That(problem, Does.Contain("dotnet tool install --local WmQuant.Cli").And.Contain("WmQuantToolPath"));
    }

    [Test]
    public void An_unreadable_manifest_is_skipped_and_named_when_nothing_is_found()
    {
        using var folder = new TempFolder("wmq-loc");
        string broken = folder.Write(".config/dotnet-tools.json", "{ not json");
        Assert.That(WmqLocator.Locate("", folder.Path, folder.Write("dotnet", ""), null, out string? problem), Is.Null);
        Assert.That(problem, Does.Contain(broken));
    }

    [Test]
    public void Missing_tool_is_a_message_that_says_what_to_set()
    {
        using var folder = new TempFolder("wmq-loc");
        Assert.That(WmqLocator.Locate(null, folder.Path, null, folder.Path, out string? onPath), Is.Null);
        Assert.That(onPath, Does.Contain("WmQuantToolPath"));

        Assert.That(WmqLocator.Locate("nope/wmq.dll", folder.Path, null, null, out string? missing), Is.Null);
        Assert.That(missing, Does.Contain(folder.Combine("nope", "wmq.dll")));

        folder.Write("empty/readme.txt", "");
        Assert.That(WmqLocator.Locate("empty", folder.Path, null, null, out string? emptyFolder), Is.Null);
        Assert.That(emptyFolder, Does.Contain("without wmq"));
    }
}
