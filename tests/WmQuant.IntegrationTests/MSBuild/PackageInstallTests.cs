using System.IO.Compression;
using System.Xml.Linq;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.MSBuild;

/// <summary>
/// The tasks as a NuGet package: packed from the built project, installed from a local folder feed into a project
/// made by `dotnet new classlib` (restore needs nothing else), built (the artifact lands in the output) and packed
/// (the artifact travels as content files).
/// </summary>
[TestFixture]
[NonParallelizable]
public class PackageInstallTests
{
    [Test]
    public void Tasks_package_installs_from_a_folder_feed_and_quantizes_in_a_new_classlib()
    {
        var repo = SharedFixture.Repository;
        string feed = repo.Combine("feed");
        var pack = ProcessRun.Dotnet(repo.Root, TimeSpan.FromMinutes(5),
            "pack", RepositoryLayout.TasksProject, "-c", RepositoryLayout.Configuration, "--no-build", "-o", feed, "-nologo");
        Assert.That(pack.ExitCode, Is.Zero, pack.ToString());
        string package = Directory.GetFiles(feed, "WmQuant.Build.*.nupkg").Single();
        string version = Path.GetFileNameWithoutExtension(package)["WmQuant.Build.".Length..];
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.That(entries, Does.Contain("tasks/net10.0/WmQuant.Build.dll"));
            Assert.That(entries, Does.Contain("build/WmQuant.Build.props"));
            Assert.That(entries, Does.Contain("build/WmQuant.Build.targets"));
            Assert.That(entries.Where(e => e.StartsWith("lib/", StringComparison.Ordinal)), Is.Empty, "a build-only package adds no reference");
        }

        // A consumer outside any checkout of ours: its own nuget.config (only the folder feed) and packages folder.
        repo.Write("pkgapp/nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{repo.Combine("pkgapp", "packages")}" />
              </config>
            </configuration>
            """);
        var create = ProcessRun.Dotnet(repo.Combine("pkgapp"), TimeSpan.FromMinutes(3), "new", "classlib", "-n", "Consumer", "-o", "Consumer", "--framework", "net10.0", "--no-update-check");
        Assert.That(create.ExitCode, Is.Zero, create.ToString());
        var add = ProcessRun.Dotnet(repo.Combine("pkgapp"), TimeSpan.FromMinutes(3), "add", "Consumer/Consumer.csproj", "package", "WmQuant.Build", "--version", version);
        Assert.That(add.ExitCode, Is.Zero, add.ToString());

        string csproj = repo.Combine("pkgapp", "Consumer", "Consumer.csproj");
        var document = XDocument.Load(csproj);
        var reference = document.Descendants("PackageReference").Single(e => (string?)e.Attribute("Include") == "WmQuant.Build");
        Assert.That((string?)reference.Element("PrivateAssets") ?? (string?)reference.Attribute("PrivateAssets"), Is.EqualTo("all"),
            "a development dependency does not flow to the consumer's consumers");
        document.Root!.Add(
            new XElement("PropertyGroup",
                new XElement("WmQuantToolPath", RepositoryLayout.WmqDll),
                new XElement("WmQuantCacheDirectory", repo.CacheDirectory)),
            new XElement("ItemGroup", new XElement("WmQuantRecipe", new XAttribute("Include", "quick.yaml"))));
        document.Save(csproj);
        repo.Write("pkgapp/Consumer/quick.yaml", FixtureRepository.QuickRecipe("it-package").Replace("../models/", "../../models/", StringComparison.Ordinal));

        var build = ProcessRun.Dotnet(repo.Combine("pkgapp"), TimeSpan.FromMinutes(9), "build", "Consumer/Consumer.csproj", "-c", "Release", "-nologo", "-nodeReuse:false");
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        Assert.That(build.Output, Does.Contain("WmQuant: it-package: passed"));
        string output = repo.Combine("pkgapp", "Consumer", "bin", "Release", "net10.0", "quantized", "it-package");
        Assert.That(File.Exists(Path.Combine(output, "model.safetensors")), Is.True, build.ToString());

        var packConsumer = ProcessRun.Dotnet(repo.Combine("pkgapp"), TimeSpan.FromMinutes(5), "pack", "Consumer/Consumer.csproj", "-c", "Release", "--no-build", "-o", repo.Combine("pkgapp", "out"), "-nologo");
        Assert.That(packConsumer.ExitCode, Is.Zero, packConsumer.ToString());
        using var consumerZip = ZipFile.OpenRead(Directory.GetFiles(repo.Combine("pkgapp", "out"), "Consumer.*.nupkg").Single());
        var consumerEntries = consumerZip.Entries.Select(e => e.FullName).ToList();
        Assert.That(consumerEntries, Does.Contain("contentFiles/any/any/quantized/it-package/model.safetensors"));
        Assert.That(consumerEntries, Does.Contain("contentFiles/any/any/quantized/it-package/manifest.json"));
        using var nuspecStream = consumerZip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        var contentFile = nuspec.Descendants().Where(e => e.Name.LocalName == "files" && e.Parent?.Name.LocalName == "contentFiles")
            .Single(e => ((string?)e.Attribute("include"))?.EndsWith("quantized/it-package/model.safetensors", StringComparison.Ordinal) == true);
        Assert.That((string?)contentFile.Attribute("copyToOutput"), Is.EqualTo("true"));
        Assert.That((string?)contentFile.Attribute("buildAction"), Is.EqualTo("None"));
    }
}
