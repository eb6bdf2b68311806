using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using WmQuant.Build.State;
using WmQuant.Build.Tasks;
using WmQuant.Contract;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.BuildTasks;

/// <summary>The process-free tasks: effective settings, the inputs file's lines, Inputs/Outputs from state, artifact items.</summary>
[TestFixture]
public class WmQuantPrepareAndCollectTests
{
    private static WmQuantPrepareRecipes Prepare(TempFolder folder, RecordingBuildEngine engine, params ITaskItem[] recipes) => new()
    {
        BuildEngine = engine,
        Recipes = recipes,
        ProjectDirectory = folder.Path,
        IntermediateDirectory = "obj/wmquant",
        OutputDirectory = "obj/wmquant/artifacts",
        Device = "cpu",
        SkipGates = false,
        Tool = folder.Combine("tool", "wmq.dll"),
    };

    private static string[] Lines(ITaskItem item) => ((ITaskItem2)item).GetMetadataValueEscaped("InputsLines").Split(';');

    [Test]
    public void Metadata_overrides_properties_and_flags_combine_with_or()
    {
        using var folder = new TempFolder("wmq-prep");
        var engine = new RecordingBuildEngine();
        var plain = new TaskItem("a.yaml");
        var special = new TaskItem("b.yaml", new Dictionary<string, string> { ["Device"] = "cuda:1", ["SkipGates"] = "true", ["OutputDirectory"] = "elsewhere" });
        var task = Prepare(folder, engine, plain, special);

        Assert.That(task.Execute(), Is.True);
        var (a, b) = (task.PreparedRecipes[0], task.PreparedRecipes[1]);
        Assert.Multiple(() =>
        {
            Assert.That(a.ItemSpec, Is.EqualTo(folder.Combine("a.yaml")));
            Assert.That(a.GetMetadata("Device"), Is.EqualTo("cpu"));
            Assert.That(b.GetMetadata("Device"), Is.EqualTo("cuda:1"));
            Assert.That(a.GetMetadata("SkipGates"), Is.EqualTo("false"));
            Assert.That(b.GetMetadata("SkipGates"), Is.EqualTo("true"));
            Assert.That(a.GetMetadata("OutputDirectory"), Is.EqualTo(folder.Combine("obj", "wmquant", "artifacts")));
            Assert.That(b.GetMetadata("OutputDirectory"), Is.EqualTo(folder.Combine("elsewhere")));
            Assert.That(a.GetMetadata("StateFile"), Does.StartWith(folder.Combine("obj", "wmquant", "a.")).And.EndWith(".state.json"));
        });

        // A global skip wins over metadata that says otherwise.
        var global = Prepare(folder, engine, new TaskItem("c.yaml", new Dictionary<string, string> { ["SkipGates"] = "false" }));
        global.SkipGates = true;
        Assert.That(global.Execute(), Is.True);
        Assert.That(global.PreparedRecipes[0].GetMetadata("SkipGates"), Is.EqualTo("true"));
    }

    [Test]
    public void Inputs_lines_change_exactly_when_a_setting_does()
    {
        using var folder = new TempFolder("wmq-prep");
        var engine = new RecordingBuildEngine();
        var first = Prepare(folder, engine, new TaskItem("a.yaml"));
        var same = Prepare(folder, engine, new TaskItem("a.yaml"));
        var changed = Prepare(folder, engine, new TaskItem("a.yaml"));
        changed.SkipEvaluation = true;
        Assert.That(first.Execute() && same.Execute() && changed.Execute(), Is.True);

        Assert.That(Lines(same.PreparedRecipes[0]), Is.EqualTo(Lines(first.PreparedRecipes[0])));
        Assert.That(Lines(changed.PreparedRecipes[0]), Is.Not.EqualTo(Lines(first.PreparedRecipes[0])));
        Assert.That(Lines(changed.PreparedRecipes[0]), Does.Contain("skip_evaluation=true"));
    }

    [Test]
    public void Inputs_and_outputs_come_from_the_last_successful_run()
    {
        using var folder = new TempFolder("wmq-prep");
        var engine = new RecordingBuildEngine();
        var before = Prepare(folder, engine, new TaskItem("a.yaml"));
        Assert.That(before.Execute(), Is.True);
        string stateFile = before.PreparedRecipes[0].GetMetadata("StateFile");
        Assert.That(before.PreparedRecipes[0].GetMetadata("KnownOutputs"), Is.EqualTo(stateFile), "no run yet: only the state file, which is missing");

        new RecipeBuildState
        {
            Recipe = folder.Combine("a.yaml"),
            InputFiles = [folder.Combine("a.yaml"), folder.Combine("base;odd.yaml"), folder.Combine("m.safetensors")],
            Artifacts = [new ArtifactRecord { Name = "art", Directory = folder.Combine("out", "art"), Status = "passed" }],
        }.Save(stateFile);

        var after = Prepare(folder, engine, new TaskItem("a.yaml"));
        Assert.That(after.Execute(), Is.True);
        var item = after.PreparedRecipes[0];
        Assert.That(item.GetMetadata("KnownOutputs").Split(';'), Is.EqualTo(new[] { stateFile, folder.Combine("out", "art", "manifest.json") }));
        string[] inputs = ((ITaskItem2)item).GetMetadataValueEscaped("KnownInputs").Split(';');
        Assert.That(inputs, Does.Contain(folder.Combine("m.safetensors")));
        Assert.That(inputs, Does.Contain(folder.Combine("base%3Bodd.yaml")), "a ';' in a path is escaped, not split");
    }

    [Test]
    public void Collect_lists_artifact_files_for_output_and_package()
    {
        using var folder = new TempFolder("wmq-collect");
        folder.Write("out/art/model.safetensors", "x");
        folder.Write("out/art/report/plot.png", "x");
        string stateFile = folder.Combine("obj", "a.state.json");
        new RecipeBuildState
        {
            Recipe = folder.Combine("a.yaml"),
            Artifacts = [new ArtifactRecord { Name = "art", Directory = folder.Combine("out", "art"), Status = "passed" }],
        }.Save(stateFile);

        var engine = new RecordingBuildEngine();
        var task = new WmQuantCollectArtifacts
        {
            BuildEngine = engine,
            Recipes = [new TaskItem(folder.Combine("a.yaml"), new Dictionary<string, string> { ["StateFile"] = stateFile })],
        };
        Assert.That(task.Execute(), Is.True);
        Assert.That(task.Artifacts.Single().GetMetadata("Manifest"), Is.EqualTo(folder.Combine("out", "art", "manifest.json")));
        var files = task.Files.ToDictionary(f => Path.GetFileName(f.ItemSpec));
        Assert.Multiple(() =>
        {
            Assert.That(files["model.safetensors"].GetMetadata("TargetPath"), Is.EqualTo(Path.Combine("quantized", "art", "model.safetensors")));
            Assert.That(files["plot.png"].GetMetadata("TargetPath"), Is.EqualTo(Path.Combine("quantized", "art", "report", "plot.png")));
            Assert.That(files["plot.png"].GetMetadata("PackagePath"), Is.EqualTo("contentFiles/any/any/quantized/art/report/"));
            Assert.That(files["model.safetensors"].GetMetadata("CopyToOutputDirectory"), Is.EqualTo("PreserveNewest"));
            Assert.That(files["model.safetensors"].GetMetadata("PackageCopyToOutput"), Is.EqualTo("true"));
        });
    }

    [Test]
    public void Collect_for_pack_warns_when_a_recipe_never_succeeded()
    {
        using var folder = new TempFolder("wmq-collect");
        var engine = new RecordingBuildEngine();
        var task = new WmQuantCollectArtifacts
        {
            BuildEngine = engine,
            WarnIfMissing = true,
            Recipes = [new TaskItem(folder.Combine("a.yaml"), new Dictionary<string, string> { ["StateFile"] = folder.Combine("none.json") })],
        };
        Assert.That(task.Execute(), Is.True);
        Assert.That(task.Files, Is.Empty);
        Assert.That(engine.Warnings.Single().Code, Is.EqualTo("WMQ5005"));
    }

    [Test]
    public void Inspect_collects_bases_checkpoint_config_and_normalization()
    {
        using var folder = new TempFolder("wmq-inspect");
        folder.Write("models/m.safetensors", "");
        folder.Write("models/normalization.json", "{}");
        // wmq lists every input file itself (the recipe, its bases, each model's files, gate baselines).
        string json = WmqJson.Write(new ValidationResult
        {
            File = folder.Combine("r.yaml"),
            Valid = true,
            SourceFiles = [folder.Combine("r.yaml"), folder.Combine("base.yaml")],
            InputFiles =
            [
                folder.Combine("r.yaml"), folder.Combine("base.yaml"), folder.Combine("models", "m.safetensors"), folder.Combine("models", "m.yaml"),
                folder.Combine("models", "normalization.json"), folder.Combine("prev", "manifest.json"),
            ],
        });
        string tool = FakeWmq.Create(folder, json, "", 0);
        var engine = new RecordingBuildEngine();
        var task = new WmQuantInspectRecipe { BuildEngine = engine, Tool = tool, WorkingDirectory = folder.Path, Recipe = "r.yaml" };

        Assert.That(task.Execute(), Is.True, engine.AllText);
        Assert.That(task.Valid, Is.True);
        Assert.That(task.InputFiles.Select(i => i.ItemSpec), Is.EqualTo(new[]
        {
            folder.Combine("r.yaml"), folder.Combine("base.yaml"), folder.Combine("models", "m.safetensors"), folder.Combine("models", "m.yaml"),
            folder.Combine("models", "normalization.json"), folder.Combine("prev", "manifest.json"),
        }));
        Assert.That(FakeWmq.Arguments(folder), Is.EqualTo(new[] { "validate", folder.Combine("r.yaml"), "--json" }));
    }

    [Test]
    public void Inspect_of_an_invalid_recipe_is_not_an_error_of_its_own()
    {
        using var folder = new TempFolder("wmq-inspect");
        string json = $$"""{ "file": "{{folder.Combine("r.yaml")}}", "valid": false, "errors": 1, "problems": [ { "code": "WMQ1002" } ], "source_files": [], "recipes": [] }""";
        var engine = new RecordingBuildEngine();
        var task = new WmQuantInspectRecipe { BuildEngine = engine, Tool = FakeWmq.Create(folder, json, "", 2), WorkingDirectory = folder.Path, Recipe = "r.yaml" };
        Assert.That(task.Execute(), Is.True);
        Assert.That(task.Valid, Is.False);
        Assert.That(engine.Errors, Is.Empty);
        Assert.That(task.InputFiles.Select(i => i.ItemSpec), Is.EqualTo(new[] { folder.Combine("r.yaml") }));
    }
}
