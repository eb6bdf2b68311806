using System.Text.Json;
using System.Text.Json.Nodes;
using WmQuant.Contract;
using WmQuant.IO.Safetensors;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Tests.Pipeline;
using WmQuant.Tests.Recipes;
using WmQuant.Tests.Support;

namespace WmQuant.Tests.Cli;

/// <summary>`wmq inspect` and `wmq pack` on one artifact that `wmq quantize` made for the fixture, and on a tampered copy of it.</summary>
[NonParallelizable]
public sealed class ArtifactCommandTests
{
    private PipelineWorkspace workspace = null!;

    private string Artifact => Path.Combine(workspace.Output, "inspected-artifact");

    [OneTimeSetUp]
    public void QuantizeAnArtifact()
    {
        workspace = new PipelineWorkspace();
        string recipe = workspace.WriteRecipe("inspected");
        var quantized = WmqResult.Run("quantize", recipe, "--repo-root", workspace.Root, "--out", workspace.Output, "--no-cache", "--device",
            "cpu", "--quiet");
        Assert.That(quantized.ExitCode, Is.EqualTo(ExitCodes.Passed), quantized.ToString());
    }

    [OneTimeTearDown]
    public void DeleteWorkspace() => workspace.Dispose();

    [Test]
    public void inspect_of_an_intact_artifact_describes_it_and_verifies_every_file()
    {
        var text = WmqResult.Run("inspect", Artifact);
        var json = WmqResult.Run("inspect", Path.Combine(Artifact, ArtifactManifest.FileName), "--json");

        var manifest = ArtifactManifest.Load(Path.Combine(Artifact, ArtifactManifest.FileName));
        Assert.Multiple(() =>
        {
            Assert.That(text.ExitCode, Is.EqualTo(ExitCodes.Passed), text.ToString());
            Assert.That(text.Out, Does.StartWith("inspected-artifact 1.2.3  gates: Ungated"));
            Assert.That(text.Out, Does.Contain($"  files        {manifest.Files.Count} files match their SHA-256"));
            Assert.That(json.ExitCode, Is.EqualTo(ExitCodes.Passed), json.ToString());
            Assert.That(JsonNode.DeepEquals(JsonNode.Parse(json.Out)!["manifest"], JsonNode.Parse(manifest.ToJson())), Is.True,
                "--json carries the manifest as written");
            Assert.That(text.Error + json.Error, Is.Empty);
        });
    }

    [Test]
    public void inspect_of_a_safetensors_file_lists_its_tensors()
    {
        string checkpoint = RepositoryFiles.PathOf("models/wall/model.safetensors");
        var (listing, _) = SafetensorsListing.Read(checkpoint);

        var text = WmqResult.Run("inspect", checkpoint);
        var json = WmqResult.Run("inspect", checkpoint, "--json");

        using var table = JsonDocument.Parse(json.Out);
        Assert.Multiple(() =>
        {
            Assert.That(text.ExitCode, Is.EqualTo(ExitCodes.Passed), text.ToString());
            Assert.That(text.Out, Does.StartWith($"{checkpoint}: {listing!.Tensors.Count} tensors, "));
            Assert.That(text.Out, Does.Contain("  encoder.patch_embed.proj.weight"));
            Assert.That(table.RootElement.GetProperty("tensors").GetArrayLength(), Is.EqualTo(listing.Tensors.Count));
        });
    }

    private static readonly object[] Unreadable =
    [
        new object[] { "no-such-thing", "no such artifact folder or file" },
        new object[] { "not-safetensors.bin", "" },
        new object[] { "empty-folder", "not an artifact folder (no manifest.json" },
    ];

    [TestCaseSource(nameof(Unreadable))]
    public void inspect_and_pack_of_what_is_no_artifact_are_WMQ3002_and_write_nothing(string name, string message)
    {
        using var tmp = new TempDirectory();
        string path = Path.Combine(tmp.Path, name);
        if (name.EndsWith(".bin", StringComparison.Ordinal))
        {
            File.WriteAllText(path, "plain text, not a safetensors header");
        }
        else if (name == "empty-folder")
        {
            Directory.CreateDirectory(path);
        }

        var inspected = WmqResult.Run("inspect", path);
        var packed = WmqResult.Run("pack", path, "--out", Path.Combine(tmp.Path, "feed"));

        Assert.Multiple(() =>
        {
            Assert.That(inspected.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), inspected.ToString());
            Assert.That(inspected.Error, Does.StartWith($"{path}: error {DiagnosticCodes.ModelUnreadable}: ").And.Contain(message));
            Assert.That(inspected.Out, Is.Empty);
            Assert.That(packed.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), packed.ToString());
            Assert.That(packed.Error, Does.Contain($"error {DiagnosticCodes.ModelUnreadable}: "));
            Assert.That(packed.Out, Is.Empty);
            Assert.That(Directory.Exists(Path.Combine(tmp.Path, "feed")), Is.False, "nothing written");
        });
    }

    [Test]
    public void a_tampered_artifact_is_WMQ3401_at_the_file_and_is_not_packed()
    {
        using var tmp = new TempDirectory();
        string copy = Path.Combine(tmp.Path, "artifact");
        CopyFolder(Artifact, copy);
        File.AppendAllText(Path.Combine(copy, "MODEL_CARD.md"), "edited by hand\n");
        string feed = Path.Combine(tmp.Path, "feed");

        var inspected = WmqResult.Run("inspect", copy);
        var packed = WmqResult.Run("pack", copy, "--out", feed);

        Assert.Multiple(() =>
        {
            Assert.That(inspected.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), inspected.ToString());
            Assert.That(inspected.Out, Does.Contain("  files        1 problem(s):"));
            Assert.That(inspected.Error,
                Does.StartWith($"{Path.Combine(copy, "MODEL_CARD.md")}: error {DiagnosticCodes.ArtifactMismatch}: " +
                    "artifact does not match its manifest: SHA-256 "));
            Assert.That(packed.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), packed.ToString());
            Assert.That(packed.Error,
                Does.Contain($"error {DiagnosticCodes.ArtifactMismatch}: ").And.Contain("(modified after it was written); nothing packed"));
            Assert.That(packed.Out, Is.Empty);
            Assert.That(Directory.Exists(feed), Is.False, "nothing written");
        });
    }

    [Test]
    public void pack_of_an_intact_artifact_prints_the_package_it_wrote()
    {
        using var tmp = new TempDirectory();

        var result = WmqResult.Run("pack", Artifact, "--out", tmp.Path);

        string package = Path.Combine(tmp.Path, "inspected-artifact.1.2.3.nupkg");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Passed), result.ToString());
            Assert.That(result.Out.TrimEnd(), Is.EqualTo(package));
            Assert.That(File.Exists(package), Is.True);
            Assert.That(result.Error, Is.Empty);
        });
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
