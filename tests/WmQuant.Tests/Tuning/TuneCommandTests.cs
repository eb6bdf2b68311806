using System.Text.Json;
using WmQuant.Contract;
using WmQuant.IO;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Recipes;
using WmQuant.Tests.Cli;
using WmQuant.Tests.Pipeline;
using WmQuant.Tuning;

namespace WmQuant.Tests.Tuning;

/// <summary>
/// `wmq tune` end to end on the bundled Wall model with a tiny evaluation (2 episodes, 2 MPC iterations) and two units
/// (encoder, predictor): the real stages, the artifact as `wmq run` writes it, the report, and a rerun from the cache.
/// </summary>
[NonParallelizable]
public sealed class TuneCommandTests
{
    private const string Search = """
        search:
          unit: group
          bits: [2, 8]
          sensitivity: { episodes: 1 }
          budget: { evaluations: 4 }
          confirmation: { episodes: 2, seed_offset: 5 }
        """;

    private PipelineWorkspace workspace = null!;
    private string recipe = null!;
    private WmqResult first = null!;
    private WmqResult second = null!;

    private string Artifact => Path.Combine(workspace.Output, "tuned-artifact");

    [OneTimeSetUp]
    public void TuneTwice()
    {
        workspace = new PipelineWorkspace();
        recipe = workspace.WriteRecipe("tuned", gates: "  - { metric: state_distance, max: 1000.0 }", weights: "{ bits: 2, granularity: group, group_size: 32 }");
        File.AppendAllText(recipe, Search + "\n");
        string[] command = ["tune", recipe, "--repo-root", workspace.Root, "--out", workspace.Output, "--cache", workspace.Cache, "--device", "cpu"];
        first = WmqResult.Run(command);
        var manifest = FileHashes.Sha256(Path.Combine(Artifact, ArtifactManifest.FileName));
        second = WmqResult.Run(command);
        Assert.That(FileHashes.Sha256(Path.Combine(Artifact, ArtifactManifest.FileName)), Is.EqualTo(manifest), "the rerun rewrote identical bytes");
    }

    [OneTimeTearDown]
    public void DeleteWorkspace() => workspace.Dispose();

    [Test]
    public void The_search_finds_the_cheapest_passing_allocation_and_confirms_it_on_fresh_seeds()
    {
        var manifest = ArtifactManifest.Load(Path.Combine(Artifact, ArtifactManifest.FileName));
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(workspace.Output, "tuned-artifact" + SearchReport.JsonSuffix)));
        var evaluated = report.RootElement.GetProperty("evaluated");
        Assert.Multiple(() =>
        {
            Assert.That(first.ExitCode, Is.EqualTo(ExitCodes.Passed), first.ToString());
            Assert.That(first.Out, Does.Contain("tune candidate 1/4 (rtn start): ").And.Contain("gates passed | best passing so far: #1"));
            Assert.That(first.Out, Does.Contain("tune confirming #1"));
            Assert.That(evaluated.GetArrayLength(), Is.EqualTo(1), "the start passes, nothing is raised, so nothing is left to refine");
            Assert.That(report.RootElement.GetProperty("winner").GetInt32(), Is.EqualTo(1));
            Assert.That(manifest.Status, Is.EqualTo(RunStatus.Passed));
            Assert.That(manifest.Quantization.Layers.Select(l => l.Bits), Is.All.EqualTo(2));
            Assert.That(manifest.Sizes.EffectiveBitsPerQuantizedWeight, Is.EqualTo(evaluated[0].GetProperty("bits_per_weight").GetDouble()).Within(1e-3),
                "the search's cost model is the packed artifact's");
            Assert.That((manifest.Seeds.EvaluationSeedOffset, manifest.Seeds.EvaluationEpisodes), Is.EqualTo((5, 2)), "the artifact is judged on the confirmation seeds");
            Assert.That(manifest.Quantized!.Episodes.Select(e => e.Seed), Is.EqualTo(new[] { 5, 104 }));
            Assert.That(ArtifactVerifier.Verify(Artifact, manifest), Is.Empty, "the artifact is exactly what wmq run writes");
        });
    }

    [Test]
    public void The_resolved_recipe_reproduces_the_allocation_without_a_search()
    {
        var manifest = ArtifactManifest.Load(Path.Combine(Artifact, ArtifactManifest.FileName));
        string copy = Path.Combine(workspace.Root, "resolved.json");
        File.Copy(Path.Combine(Artifact, "recipe.resolved.json"), copy, overwrite: true);

        var loaded = RecipeLoader.Load(copy, new RecipeLoadOptions { RepositoryRoot = workspace.Root });

        Assert.That(loaded.Problems.Where(p => p.IsError), Is.Empty);
        var back = loaded.Recipes.Single();
        Assert.Multiple(() =>
        {
            Assert.That(back.Search, Is.Null);
            Assert.That(RecipeWriter.Quantization(back.Quantization).ToJsonString(), Is.EqualTo(manifest.Quantization.Settings!.ToJsonString()));
            Assert.That(back.Evaluation.SeedOffset, Is.EqualTo(5));
        });
    }

    [Test]
    public void The_report_has_the_pareto_front_the_confirmation_and_the_per_layer_allocation()
    {
        string markdown = File.ReadAllText(Path.Combine(workspace.Output, "tuned-artifact" + SearchReport.MarkdownSuffix));
        Assert.Multiple(() =>
        {
            Assert.That(markdown, Does.StartWith("# wmq tune: tuned\n"));
            Assert.That(markdown, Does.Contain("## Pareto front: bits per weight against success on the search seeds"));
            Assert.That(markdown, Does.Contain("Confirmation of #1: **passed**"));
            Assert.That(markdown, Does.Contain("## Per-layer allocation of #1 (cheapest passing)"));
            Assert.That(markdown, Does.Contain("| encoder.blocks.0.attn.qkv | encoder | [288, 96] | W2 g32 |"));
            Assert.That(markdown, Does.Contain("| levels (uniform bits/weight) | W2 g32 ("));
            Assert.That(markdown, Does.Contain("## Sensitivities (rtn;"));
        });
    }

    [Test]
    public void A_rerun_resumes_every_step_from_the_cache()
    {
        Assert.Multiple(() =>
        {
            Assert.That(second.ExitCode, Is.EqualTo(ExitCodes.Passed), second.ToString());
            Assert.That(second.Out, Does.Contain("sensitivities from the cache"));
            Assert.That(second.Out, Does.Contain("gates passed (cached)"));
            Assert.That(second.Out, Does.Not.Contain("calibrate ["), "calibration was not run again");
        });
    }

    [Test]
    public void A_recipe_without_a_search_section_is_bad_input()
    {
        string plain = workspace.WriteRecipe("plain");

        var result = WmqResult.Run("tune", plain, "--repo-root", workspace.Root, "--out", workspace.Output, "--device", "cpu");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Out, Does.Contain("plain.yaml(1,1): error WMQ1102: wmq tune needs a search: section"));
            Assert.That(Directory.Exists(Path.Combine(workspace.Output, "plain-artifact")), Is.False);
        });
    }

    [Test]
    public void A_recipe_that_names_an_artifact_instead_of_a_checkpoint_is_bad_input()
    {
        string onArtifact = workspace.WriteRecipe("on-artifact");
        string relative = Path.GetRelativePath(workspace.Root, Artifact).Replace('\\', '/');
        File.WriteAllText(onArtifact, File.ReadAllText(onArtifact)
            .Replace("{ checkpoint: models/wall/model.safetensors }", $"{{ artifact: {relative} }}", StringComparison.Ordinal) + Search + "\n");

        var result = WmqResult.Run("tune", onArtifact, "--repo-root", workspace.Root, "--out", workspace.Output, "--device", "cpu");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Out, Does.Contain("wmq tune needs model.checkpoint"));
            Assert.That(Directory.Exists(Path.Combine(workspace.Output, "on-artifact-artifact")), Is.False);
        });
    }

    [Test]
    public void Wmq_run_says_that_it_does_not_search()
    {
        var result = WmqResult.Run("run", recipe, "--repo-root", workspace.Root, "--out", Path.Combine(workspace.Root, "run-out"), "--cache", workspace.Cache,
            "--device", "cpu", "--skip-gates");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Passed), result.ToString());
            Assert.That(result.Out, Does.Match(@"tuned\.yaml\(\d+,\d+\): warning WMQ1207: search has no effect under wmq run"));
        });
    }

    [Test]
    public void A_budget_outside_its_range_is_bad_input()
    {
        var result = WmqResult.Run("tune", recipe, "--repo-root", workspace.Root, "--evaluations", "0", "--device", "cpu");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Out, Does.Contain("error WMQ2001: --evaluations 0 is outside 1-1000"));
        });
    }
}
