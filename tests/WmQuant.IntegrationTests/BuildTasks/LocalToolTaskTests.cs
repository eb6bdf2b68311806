using WmQuant.Build.Tasks;
using WmQuant.Contract;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.BuildTasks;

/// <summary>
/// The tasks with wmq as a local .NET tool: a scripted `dotnet` host stands in for the SDK, so what the task starts
/// (`dotnet tool run wmq ...`), what it tells wmq and how it reports `dotnet tool run` failing are checked exactly.
/// </summary>
[TestFixture]
[NonParallelizable]
public class LocalToolTaskTests
{
    private string? savedHost;

    [SetUp]
    public void SaveHost() => savedHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");

    [TearDown]
    public void RestoreHost() => Environment.SetEnvironmentVariable("DOTNET_HOST_PATH", savedHost);

    private static (WmQuantInspectRecipe Task, RecordingBuildEngine Engine) Inspect(TempFolder folder, string stdout, string stderr, int exitCode)
    {
        folder.Write(".config/dotnet-tools.json", """{ "version": 1, "isRoot": true, "tools": { "wmquant.cli": { "version": "0.1.0", "commands": ["wmq"] } } }""");
        folder.Write("app/quick.yaml", "version: 1\n");
        Environment.SetEnvironmentVariable("DOTNET_HOST_PATH", FakeWmq.Create(folder, stdout, stderr, exitCode, "dotnet"));
        var engine = new RecordingBuildEngine();
        return (new WmQuantInspectRecipe { BuildEngine = engine, Tool = "", WorkingDirectory = folder.Combine("app"), Recipe = "quick.yaml" }, engine);
    }

    [Test]
    public void Without_a_tool_path_the_task_runs_the_manifest_tool_through_the_dotnet_host()
    {
        using var folder = new TempFolder("wmq-ltool");
        string recipe = folder.Combine("app", "quick.yaml");
        string json = WmqJson.Write(new ValidationResult { File = recipe, Valid = true, InputFiles = [recipe, folder.Combine("models", "m.safetensors")] });
        var (task, engine) = Inspect(folder, json, "", 0);

        Assert.That(task.Execute(), Is.True, engine.AllText);
        Assert.That(FakeWmq.Arguments(folder, "dotnet"), Is.EqualTo(new[] { "tool", "run", "wmq", "validate", recipe, "--json" }));
        Assert.That(task.InputFiles.Select(f => f.ItemSpec), Is.EqualTo(new[] { recipe, folder.Combine("models", "m.safetensors") }));
        Assert.That(FakeWmq.NoAnnotations(folder, "dotnet"), Is.EqualTo("1"), "MSBuild reports the errors; wmq must not annotate them a second time");
    }

    [Test]
    public void A_tool_that_is_not_restored_is_WMQ5001_at_the_manifest_with_what_to_run()
    {
        using var folder = new TempFolder("wmq-ltool");
        var (task, engine) = Inspect(folder, "", "Run \"dotnet tool restore\" to make the \"wmq\" command available.\n", 1);

        Assert.That(task.Execute(), Is.False);
        var error = engine.Errors.Single();
        Assert.Multiple(() =>
        {
            Assert.That(error.Code, Is.EqualTo(DiagnosticCodes.WmqNotFound));
            Assert.That(error.File, Is.EqualTo(folder.Combine(".config", "dotnet-tools.json")));
            Assert.That(error.Message, Does.Contain("`dotnet tool run wmq` failed with exit code 1").And.Contain("Run \"dotnet tool restore\""));
        });
    }
}
