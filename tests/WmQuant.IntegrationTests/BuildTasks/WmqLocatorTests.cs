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
