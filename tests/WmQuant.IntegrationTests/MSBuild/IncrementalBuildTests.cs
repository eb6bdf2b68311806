using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.MSBuild;

/// <summary>
/// `dotnet build` of a project with a &lt;WmQuantRecipe&gt;: the first build writes the artifact into the build output,
/// an unchanged rebuild skips wmq, and touching the recipe or changing a WmQuant property runs it again.
/// </summary>
[TestFixture]
[NonParallelizable]
public class IncrementalBuildTests
{
    private const string Skip = "Skipping target \"WmQuantQuantize\" because all output files are up-to-date with respect to the input files.";
    private const string Ran = "WmQuant: it-quick: passed ->";
    private const string RanUngated = "WmQuant: it-quick: ungated ->"; // evaluation skipped: no verdict, not "passed"
    private FixtureRepository repo = null!;
    private string project = null!;
    private string recipe = null!;

    private string OutputArtifact => repo.Combine("app", "bin", "Release", "net10.0", "quantized", "it-quick");

    [OneTimeSetUp]
    public void CreateProject()
    {
        repo = SharedFixture.Repository;
        recipe = repo.Write("app/quick.yaml", FixtureRepository.QuickRecipe("it-quick"));
        project = repo.WriteSourceProject("app", "quick.yaml");
    }

    [Test]
    [Order(1)]
    public void First_build_writes_the_artifact_into_the_build_output()
    {
        var build = repo.Build(project);
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        Assert.That(build.Output, Does.Contain(Ran));
        Assert.That(build.Output, Does.Contain("wmq.dll run"), "the command line is logged (the up-to-date test relies on it)");
        Assert.That(build.Output, Does.Not.Contain(Skip));
        foreach (string file in new[] { "model.safetensors", "manifest.json", "recipe.yaml", "MODEL_CARD.md" })
        {
            Assert.That(File.Exists(Path.Combine(OutputArtifact, file)), Is.True, $"{file} in the build output\n{build}");
        }

        Assert.That(File.ReadAllText(Path.Combine(OutputArtifact, "manifest.json")), Does.Contain("\"passed\""));
    }

    [Test]
    [Order(2)]
    public void Unchanged_rebuild_skips_wmq_and_keeps_the_output()
    {
        var build = repo.Build(project);
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        Assert.That(build.Output, Does.Contain(Skip));
        Assert.That(build.Output, Does.Not.Contain(Ran));
        Assert.That(build.Output, Does.Not.Contain("wmq.dll run"), "no wmq process for an up-to-date build");
        Assert.That(File.Exists(Path.Combine(OutputArtifact, "model.safetensors")), Is.True);
    }

    [Test]
    [Order(3)]
    public void Touching_the_recipe_runs_it_again()
    {
        File.SetLastWriteTimeUtc(recipe, DateTime.UtcNow.AddSeconds(1));
        var build = repo.Build(project);
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        Assert.That(build.Output, Does.Contain(Ran));
        Assert.That(build.Output, Does.Not.Contain(Skip));
        Assert.That(build.Output, Does.Contain("cached: evaluate-fp, quantize, evaluate"), "the shared stage cache answered");
    }

    [Test]
    [Order(4)]
    public void Changing_a_WmQuant_property_runs_it_again_and_the_same_property_twice_does_not()
    {
        var changed = repo.Build(project, "-p:WmQuantSkipEvaluation=true");
        Assert.That(changed.ExitCode, Is.Zero, changed.ToString());
        Assert.That(changed.Output, Does.Contain(RanUngated), "the inputs file changed, so the target ran");
        Assert.That(changed.Output, Does.Contain("--skip-eval"));

        var again = repo.Build(project, "-p:WmQuantSkipEvaluation=true");
        Assert.That(again.ExitCode, Is.Zero, again.ToString());
        Assert.That(again.Output, Does.Contain(Skip));
    }

    [Test]
    [Order(5)]
    public void Deleting_the_artifact_runs_it_again()
    {
        string artifacts = repo.Combine("app", "obj", "Release", "net10.0", "wmquant", "artifacts", "it-quick");
        Assert.That(Directory.Exists(artifacts), Is.True, "artifacts are written under obj/<configuration>/<tfm>/wmquant/artifacts by default");
        Directory.Delete(artifacts, recursive: true);
        var build = repo.Build(project, "-p:WmQuantSkipEvaluation=true");
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        Assert.That(build.Output, Does.Contain(RanUngated));
        Assert.That(File.Exists(Path.Combine(artifacts, "manifest.json")), Is.True);
    }
}
