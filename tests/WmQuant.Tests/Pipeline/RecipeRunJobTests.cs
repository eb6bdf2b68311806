using System.Text.Json.Nodes;
using WmQuant.Cli;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Pipeline;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Recipes;
using WmQuant.Runtime;

namespace WmQuant.Tests.Pipeline;

/// <summary>The run use-case: one runtime per device a matrix asks for, and outputs spelled as recipes spell them.</summary>
[NonParallelizable]
public sealed class RecipeRunJobTests
{
    private sealed class Recorder : IRecipeRunListener
    {
        public List<(string Device, string[] Recipes)> Groups { get; } = [];

        public void Loaded(IReadOnlyList<Diagnostics.Diagnostic> problems)
        {
        }

        public void RuntimeReady(TorchRuntimeInfo runtime, IReadOnlyList<Recipe> recipes) =>
            Groups.Add((runtime.Device.ToString(), [.. recipes.Select(r => r.Name)]));

        public PipelineResult Run(Recipe recipe, Func<IProgress<PipelineProgress>?, PipelineResult> run) => run(null);
    }

    /// <summary>A front end whose recipe runs fail as libtorch fails when the machine is too small.</summary>
    private sealed class OutOfMemoryRun : IRecipeRunListener
    {
        public void Loaded(IReadOnlyList<Diagnostics.Diagnostic> problems)
        {
        }

        public void RuntimeReady(TorchRuntimeInfo runtime, IReadOnlyList<Recipe> recipes)
        {
        }

        public PipelineResult Run(Recipe recipe, Func<IProgress<PipelineProgress>?, PipelineResult> run) =>
            throw new Tests.Runtime.AllocationFailureTests.LibTorchError(Tests.Runtime.AllocationFailureTests.CpuMessage);
    }

    [Test]
    public void A_recipe_that_runs_out_of_memory_stops_the_run_as_an_environment_failure_at_the_recipe_in_one_line()
    {
        using var ws = new PipelineWorkspace();
        string path = ws.WriteRecipe("big");
        var request = new RecipeRunRequest(path, new RecipeLoadOptions { RepositoryRoot = ws.Root }, ws.Output, null, SkipEvaluation: true,
            SkipGates: false, new TorchRuntimeOptions(), DeviceOverride: "cpu", ArtifactVersion: null, "0.0.0-test", ws.Root);

        var outcome = RecipeRunJob.Run(request, new OutOfMemoryRun());

        var problem = outcome.Diagnostics.Single(d => d.IsError);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Status, Is.EqualTo(RunStatus.EnvironmentFailure));
            Assert.That(RunStatuses.ExitCode(outcome.Status), Is.EqualTo(ExitCodes.EnvironmentFailure));
            Assert.That(problem.Code, Is.EqualTo(DiagnosticCodes.OutOfMemory));
            Assert.That(problem.Position?.File, Is.EqualTo(path), "reported at the recipe");
            Assert.That(problem.Message, Is.EqualTo("big: out of memory: tried to allocate 33.6 GiB on cpu"));
            Assert.That(problem.ToCanonicalString(), Does.Not.Contain("frame #").And.Not.Contain("\\n"));
            Assert.That(Directory.Exists(Path.Combine(ws.Output, "big")), Is.False, "nothing written");
        });
    }

    [Test]
    public void A_matrix_over_device_initialises_a_runtime_per_device_and_runs_each_combination_on_its_own()
    {
        using var ws = new PipelineWorkspace();
        string path = ws.WriteRecipe("devices");
        File.AppendAllText(path, "matrix:\n  device: [cpu, auto]\n");
        var recorder = new Recorder();
        var request = new RecipeRunRequest(path, new RecipeLoadOptions { RepositoryRoot = ws.Root }, ws.Output, null, SkipEvaluation: true,
            SkipGates: false, new TorchRuntimeOptions(), DeviceOverride: null, ArtifactVersion: null, "0.0.0-test", ws.Root);

        var outcome = RecipeRunJob.Run(request, recorder);

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Status, Is.EqualTo(RunStatus.Ungated), string.Join("\n", outcome.Diagnostics));
            Assert.That(recorder.Groups.Select(g => g.Recipes.Single()), Is.EqualTo(new[] { "devices-auto", "devices-cpu" }), "auto before cpu");
            Assert.That(outcome.Entries.Select(e => e.Result.Manifest!.Device), Has.All.EqualTo("cpu"), "this machine has no GPU; auto falls back to the CPU");
        });
    }

    [Test]
    public void Validate_json_prints_resolved_recipes_that_load_back_and_every_input_file()
    {
        using var ws = new PipelineWorkspace();
        string path = ws.WriteRecipe("json", weights: "{ bits: 4, granularity: channel }");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = Program.Run(["validate", path, "--json", "--repo-root", ws.Root], output, error, CliServices.Default);
        var json = JsonNode.Parse(output.ToString())!;
        var resolved = json["recipes"]![0]!;
        string copy = Path.Combine(ws.Root, "copy.json");
        File.WriteAllText(copy, resolved.ToJsonString());
        var back = RecipeLoader.Load(copy, new RecipeLoadOptions { RepositoryRoot = ws.Root });

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Passed), error.ToString());
            Assert.That((string)resolved["quantization"]!["weights"]!["granularity"]!, Is.EqualTo("channel"));
            Assert.That(json["input_files"]!.AsArray().Select(f => Path.GetFileName((string)f!)),
                Is.EqualTo(new[] { "json.yaml", "model.safetensors", "model.yaml", "normalization.json" }));
            Assert.That(back.Problems.Where(p => p.IsError), Is.Empty);
            Assert.That(RecipeWriter.ToText(back.Recipes.Single()), Is.EqualTo(RecipeWriter.ToText(RecipeLoader.Load(path, new RecipeLoadOptions { RepositoryRoot = ws.Root }).Recipes.Single())));
        });
    }

    [Test]
    public void The_manifest_and_the_resolved_recipe_use_the_recipe_spellings_and_load_back()
    {
        using var ws = new PipelineWorkspace();
        string path = ws.WriteRecipe("spell", method: "omse", methodOptions: "{ omse: { candidates: 12 } }");
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = Program.Run(["quantize", path, "--repo-root", ws.Root, "--out", ws.Output, "--no-cache", "--device", "cpu", "--json"], output, error, CliServices.Default);
        var result = JsonNode.Parse(output.ToString())!;
        string artifact = (string)result["recipes"]![0]!["artifact_directory"]!;
        string manifestText = File.ReadAllText(Path.Combine(artifact, ArtifactManifest.FileName));
        var manifest = JsonNode.Parse(manifestText)!;
        File.Copy(Path.Combine(artifact, "recipe.resolved.json"), Path.Combine(ws.Root, "resolved.json"));
        var back = RecipeLoader.Load(Path.Combine(ws.Root, "resolved.json"), new RecipeLoadOptions { RepositoryRoot = ws.Root });

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Passed), error.ToString());
            Assert.That((string)result["status"]!, Is.EqualTo("ungated"));
            Assert.That((string)result["recipes"]![0]!["status"]!, Is.EqualTo("ungated"));
            Assert.That((string)manifest["status"]!, Is.EqualTo("ungated"));
            Assert.That((string)manifest["quantization"]!["layers"]![0]!["granularity"]!, Is.EqualTo("group"));
            Assert.That((string)manifest["quantization"]!["layers"]![0]!["activations"]!, Is.EqualTo("none"));
            Assert.That((int)manifest["quantization"]!["settings"]!["method_options"]!["omse"]!["candidates"]!, Is.EqualTo(12));
            Assert.That(manifestText, Does.Not.Contain("PerGroup").And.Not.Contain("\"float\""));
            Assert.That(back.Problems.Where(p => p.IsError), Is.Empty);
            Assert.That(back.Recipes.Single().Quantization.Describe(), Is.EqualTo("omse W4 g32 A16"));
        });
    }
}
