using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.MSBuild;

/// <summary>
/// What a user outside this repository gets: wmq packed as a .NET tool and the tasks as a NuGet package, both in a
/// local folder feed; a project made by `dotnet new classlib` in a temp folder whose nuget.config knows only that feed
/// (no network), wmq installed from it through a local tool manifest, WmQuant.Build referenced from it. Its build
/// finds wmq through the manifest (no WmQuantToolPath), quantizes, evaluates and gates (the artifact lands in the
/// output, its manifest names the tool with its commit), its pack carries the artifact as content files, and a bad
/// recipe fails the build with wmq's code at the recipe's line.
/// </summary>
[TestFixture]
[NonParallelizable]
public partial class PackageInstallTests
{
    [GeneratedRegex(@"^\d+\.\d+\.\d+(\+[0-9a-f]{7})?$")]
    private static partial Regex ToolVersion();

    [Test]
    public void Tool_and_tasks_install_from_a_folder_feed_and_quantize_in_a_new_classlib()
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

        // The tool: a pointer package and the linux-x64 package with wmq, TorchSharp's native layer and its shim.
        var packTool = ProcessRun.Dotnet(repo.Root, TimeSpan.FromMinutes(8),
            "pack", RepositoryLayout.CliProject, "-c", RepositoryLayout.Configuration, "--no-restore", "-o", feed, "-nologo");
        Assert.That(packTool.ExitCode, Is.Zero, packTool.ToString());
        TestContext.Out.WriteLine($"pack wmq as a tool: {packTool.Elapsed.TotalSeconds:F0} s");
        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"WmQuant.Cli.linux-x64.{version}.nupkg")))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.That(entries, Is.SupersetOf(new[] { "wmq.dll", "wmq.deps.json", "libLibTorchSharp.so", "libtorch_cpu.so", "libwmq_stdcxx_compat.so" }
                .Select(f => "tools/net10.0/linux-x64/" + f)), "the native layer travels beside wmq.dll, shim included whatever the packing machine");
        }

        string app = repo.Combine("pkgapp");
        // A machine that never saw wmq: the SDK remembers where each local tool version was restored
        // (DOTNET_CLI_HOME/.dotnet/toolResolverCache), and another checkout's WmQuant.Cli 0.1.0 must not answer here.
        var fresh = new Dictionary<string, string?> { ["DOTNET_CLI_HOME"] = repo.Combine("pkgapp-home") };
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
        var sources = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(2), fresh, "nuget", "list", "source");
        Assert.That(sources.ExitCode, Is.Zero, sources.ToString());
        Assert.That(Regex.Matches(sources.Output, @"^\s*\d+\.\s+(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value), Is.EqualTo(new[] { "local" }),
            "no source but the folder feed: nothing can come from the network\n" + sources);

        var manifest = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(2), fresh, "new", "tool-manifest");
        Assert.That(manifest.ExitCode, Is.Zero, manifest.ToString());
        var install = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(5), fresh, "tool", "install", "--local", "WmQuant.Cli", "--version", version, "--add-source", feed);
        Assert.That(install.ExitCode, Is.Zero, install.ToString());
        TestContext.Out.WriteLine($"install the tool: {install.Elapsed.TotalSeconds:F0} s");
        var doctor = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(2), fresh, "wmq", "doctor", "--device", "cpu");
        Assert.That(doctor.ExitCode, Is.Zero, doctor.ToString());
        Assert.That(doctor.Output, Does.Contain("bundled CPU libtorch").And.Match(@"(?m)^verdict\s+ok"), doctor.ToString());

        var create = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(3), fresh, "new", "classlib", "-n", "Consumer", "-o", "Consumer", "--framework", "net10.0", "--no-update-check");
        Assert.That(create.ExitCode, Is.Zero, create.ToString());
        var add = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(3), fresh, "add", "Consumer/Consumer.csproj", "package", "WmQuant.Build", "--version", version);
        Assert.That(add.ExitCode, Is.Zero, add.ToString());

        string csproj = repo.Combine("pkgapp", "Consumer", "Consumer.csproj");
        var document = XDocument.Load(csproj);
        var reference = document.Descendants("PackageReference").Single(e => (string?)e.Attribute("Include") == "WmQuant.Build");
        Assert.That((string?)reference.Element("PrivateAssets") ?? (string?)reference.Attribute("PrivateAssets"), Is.EqualTo("all"),
            "a development dependency does not flow to the consumer's consumers");
        // No WmQuantToolPath: the tasks find wmq through the tool manifest.
        document.Root!.Add(
            new XElement("PropertyGroup", new XElement("WmQuantCacheDirectory", repo.CacheDirectory)),
            new XElement("ItemGroup", new XElement("WmQuantRecipe", new XAttribute("Include", "quick.yaml"))));
        document.Save(csproj);
        string recipe = FixtureRepository.QuickRecipe("it-package").Replace("../models/", "../../models/", StringComparison.Ordinal);
        repo.Write("pkgapp/Consumer/quick.yaml", recipe);

        var build = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(9), fresh, "build", "Consumer/Consumer.csproj", "-c", "Release", "-v:n", "-nologo", "-nodeReuse:false");
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        TestContext.Out.WriteLine($"build the consumer (wmq validate + run through the tool): {build.Elapsed.TotalSeconds:F0} s");
        Assert.That(build.Output, Does.Contain("tool run wmq validate").And.Contain("tool run wmq run"), "wmq ran as the local tool");
        Assert.That(build.Output, Does.Contain("WmQuant: it-package: passed"));
        string output = repo.Combine("pkgapp", "Consumer", "bin", "Release", "net10.0", "quantized", "it-package");
        Assert.That(File.Exists(Path.Combine(output, "model.safetensors")), Is.True, build.ToString());
        string toolVersion = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(output, "manifest.json")))!["tool"]!["version"]!;
        Assert.That(toolVersion, Does.Match(ToolVersion()).And.StartWith(version));
        if (RepositoryLayout.Commit() is { } commit)
        {
            Assert.That(toolVersion, Is.EqualTo($"{version}+{commit[..7]}"), "the manifest names the commit wmq was built from");
        }

        var packConsumer = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(5), fresh, "pack", "Consumer/Consumer.csproj", "-c", "Release", "--no-build", "-o", repo.Combine("pkgapp", "out"), "-nologo");
        Assert.That(packConsumer.ExitCode, Is.Zero, packConsumer.ToString());
        using (var consumerZip = ZipFile.OpenRead(Directory.GetFiles(repo.Combine("pkgapp", "out"), "Consumer.*.nupkg").Single()))
        {
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

        // A recipe the tool rejects: the build fails with wmq's code at the recipe's line and column.
        repo.Write("pkgapp/Consumer/quick.yaml", recipe.Replace("method: rtn", "method: hqq", StringComparison.Ordinal));
        int line = FixtureRepository.LineOf(recipe, "method: rtn");
        var broken = ProcessRun.Dotnet(app, TimeSpan.FromMinutes(5), fresh, "build", "Consumer/Consumer.csproj", "-c", "Release", "-nologo", "-nodeReuse:false");
        Assert.That(broken.ExitCode, Is.Not.Zero, broken.ToString());
        Assert.That(broken.Output, Does.Match(Regex.Escape(repo.Combine("pkgapp", "Consumer", "quick.yaml")) + $@"\({line},\d+\): error WMQ1105: quantization.method is 'hqq'"));
    }
}
