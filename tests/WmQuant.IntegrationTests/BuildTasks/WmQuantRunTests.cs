using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using WmQuant.Build.State;
using WmQuant.Build.Tasks;
using WmQuant.Contract;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.BuildTasks;

/// <summary>The run task against a scripted wmq: what it logs, returns and records for each way wmq can end.</summary>
[TestFixture]
public class WmQuantRunTests
{
    private const string GateLine = "recipes/q.yaml(14,5): error WMQ4001: gate success_rate min failed: success_rate 0.000 < min 1";
    private const string SkippedGateLine = "recipes/q.yaml(14,5): warning WMQ4001: gate success_rate min failed: success_rate 0.000 < min 1";

    /// <summary>What wmq prints, written with the contract types the engine writes it with (the tasks read them back).</summary>
    private static string Json(RunStatus status, RunStatus recipeStatus, string artifact, params DiagnosticRecord[] diagnostics) => WmqJson.Write(new RunResult
    {
        Status = status,
        Recipes =
        [
            new RecipeRunResult
            {
                Name = "q",
                Status = recipeStatus,
                ArtifactDirectory = artifact,
                Manifest = artifact + "/manifest.json",
                Diagnostics = diagnostics,
                CacheHits = ["evaluate-fp"],
                Gates =
                [
                    new GateResult
                    {
                        Metric = "success_rate", Kind = "min", Value = 0, Bound = 0, Threshold = 1, Confidence = 0.95,
                        Verdict = recipeStatus == RunStatus.Passed ? "passed" : "failed", Message = "m", Location = "recipes/q.yaml(14,5)",
                    },
                ],
            },
        ],
    });

    private static DiagnosticRecord Gate(Severity severity) => new()
    {
        Severity = severity,
        Code = DiagnosticCodes.GateFailed,
        File = "recipes/q.yaml",
        Line = 14,
        Column = 5,
        Message = "gate success_rate min failed: success_rate 0.000 < min 1",
    };

    private static (WmQuantRun Task, RecordingBuildEngine Engine) Create(TempFolder folder, string tool, bool skipGates = false)
    {
        var engine = new RecordingBuildEngine();
        var task = new WmQuantRun
        {
            BuildEngine = engine,
            Tool = tool,
            WorkingDirectory = folder.Combine("project"),
            RepositoryRoot = folder.Path,
            Recipe = "../recipes/q.yaml",
            OutputDirectory = "out",
            CacheDirectory = "../cache",
            Device = "cpu",
            SkipGates = skipGates,
            StateFile = folder.Combine("project", "obj", "q.state.json"),
            InputFiles = [new TaskItem(folder.Combine("models", "m.safetensors"))],
        };
        return (task, engine);
    }

    private static TempFolder Repository()
    {
        var folder = new TempFolder("wmq-run");
        folder.Write("recipes/q.yaml", "version: 1\n");
        folder.Write("models/m.safetensors", "");
        Directory.CreateDirectory(folder.Combine("project"));
        return folder;
    }

    [Test]
    public void Passed_run_returns_the_artifact_and_records_state()
    {
        using var folder = Repository();
        string artifact = folder.Combine("project", "out", "q-art");
        string tool = FakeWmq.Create(folder, Json(RunStatus.Passed, RunStatus.Passed, artifact), "wmq 0.1.0: 1 recipe(s)\n", 0);
        var (task, engine) = Create(folder, tool);

        Assert.That(task.Execute(), Is.True, engine.AllText);
        Assert.That(engine.Errors, Is.Empty);
        Assert.That(task.Status, Is.EqualTo("passed"));
        Assert.That(task.Artifacts.Select(a => a.ItemSpec), Is.EqualTo(new[] { artifact }));
        Assert.That(task.Artifacts[0].GetMetadata("ArtifactName"), Is.EqualTo("q-art"));

        var state = RecipeBuildState.TryLoad(task.StateFile!);
        Assert.That(state, Is.Not.Null);
        Assert.That(state!.InputFiles, Is.EqualTo(new[] { folder.Combine("recipes", "q.yaml"), folder.Combine("models", "m.safetensors") }));
        Assert.That(state.Artifacts.Single().Directory, Is.EqualTo(artifact));

        string[] args = FakeWmq.Arguments(folder);
        Assert.That(args, Is.EqualTo(new[]
        {
            "run", folder.Combine("recipes", "q.yaml"), "--json", "--quiet", "--out", folder.Combine("project", "out"),
            "--cache", folder.Combine("cache"), "--device", "cpu", "--repo-root", folder.Path,
        }));
    }

    [Test]
    public void Failed_gate_is_an_error_at_the_recipe_line_and_leaves_no_state()
    {
        using var folder = Repository();
        string tool = FakeWmq.Create(folder, Json(RunStatus.GateFailed, RunStatus.GateFailed, folder.Combine("project", "out", "q-art"), Gate(Severity.Error)), GateLine + "\n  gate success_rate min: FAILED\n", 1);
        var (task, engine) = Create(folder, tool);
        folder.Write("project/obj/q.state.json", "{\"version\": 1}");

        Assert.That(task.Execute(), Is.False);
        var error = engine.Errors.Single();
        Assert.Multiple(() =>
        {
            Assert.That(error.Code, Is.EqualTo("WMQ4001"));
            Assert.That(error.File, Is.EqualTo(folder.Combine("recipes", "q.yaml")), "gate locations are relative to the repository root");
            Assert.That(error.LineNumber, Is.EqualTo(14));
            Assert.That(error.ColumnNumber, Is.EqualTo(5));
            Assert.That(error.Message, Does.StartWith("gate success_rate min failed"));
            Assert.That(File.Exists(task.StateFile), Is.False, "a failed run must not look up to date next time");
        });
    }

    [Test]
    public void Skipping_gates_turns_a_failed_gate_into_a_warning()
    {
        using var folder = Repository();
        string artifact = folder.Combine("project", "out", "q-art");
        string tool = FakeWmq.Create(folder, Json(RunStatus.Ungated, RunStatus.Ungated, artifact, Gate(Severity.Warning)), SkippedGateLine + "\n", 0);
        var (task, engine) = Create(folder, tool, skipGates: true);

        Assert.That(task.Execute(), Is.True, engine.AllText);
        Assert.That(engine.Errors, Is.Empty);
        var warning = engine.Warnings.Single();
        Assert.That(warning.Code, Is.EqualTo("WMQ4001"));
        Assert.That(warning.LineNumber, Is.EqualTo(14));
        Assert.That(FakeWmq.Arguments(folder), Does.Contain("--skip-gates"));
    }

    [Test]
    public void Recipe_error_relative_to_the_working_directory_keeps_its_position()
    {
        using var folder = Repository();
        const string line = "../recipes/q.yaml(2,7): error WMQ1002: malformed YAML: the text after this point could not be parsed";
        string json = WmqJson.Write(new RunResult
        {
            Status = RunStatus.InvalidInput,
            Diagnostics = [new DiagnosticRecord { Severity = Severity.Error, Code = "WMQ1002", File = "../recipes/q.yaml", Line = 2, Column = 7, Message = "malformed YAML: the text after this point could not be parsed" }],
        });
        string tool = FakeWmq.Create(folder, json, line + "\n../recipes/q.yaml: invalid recipe, nothing was run\n", 2);
        var (task, engine) = Create(folder, tool);

        Assert.That(task.Execute(), Is.False);
        var error = engine.Errors.Single();
        Assert.That((error.Code, error.File, error.LineNumber, error.ColumnNumber), Is.EqualTo(("WMQ1002", folder.Combine("recipes", "q.yaml"), 2, 7)));
    }

    [Test]
    public void Crash_without_a_canonical_line_is_reported_with_the_exit_code()
    {
        using var folder = Repository();
        string tool = FakeWmq.Create(folder, "", "Unhandled exception. System.InvalidOperationException: boom\n", 134);
        var (task, engine) = Create(folder, tool);

        Assert.That(task.Execute(), Is.False);
        var error = engine.Errors.Single();
        Assert.That(error.Code, Is.EqualTo("WMQ5002"));
        Assert.That(error.Message, Does.Contain("exited with code 134"));
        Assert.That(engine.Messages.Select(m => m.Message), Does.Contain("Unhandled exception. System.InvalidOperationException: boom"));
    }

    [Test]
    public void Missing_tool_is_WMQ5001()
    {
        using var folder = Repository();
        var (task, engine) = Create(folder, folder.Combine("no", "wmq.dll"));
        Assert.That(task.Execute(), Is.False);
        Assert.That(engine.Errors.Single().Code, Is.EqualTo("WMQ5001"));
    }

    [Test]
    public void The_run_result_round_trips_through_the_contract_with_its_spellings()
    {
        string json = Json(RunStatus.GateFailed, RunStatus.GateFailed, "/a/q-art", Gate(Severity.Error));
        var back = WmqJson.TryRead<RunResult>("progress line\n" + json, out string? problem);

        Assert.Multiple(() =>
        {
            Assert.That(problem, Is.Null);
            Assert.That(json, Does.Contain("\"status\": \"gate_failed\"").And.Contain("\"severity\": \"error\"").And.Not.Contain("GateFailed"));
            Assert.That(back!.Status, Is.EqualTo(RunStatus.GateFailed));
            Assert.That(back.Recipes.Single().Diagnostics.Single().Line, Is.EqualTo(14));
            Assert.That(back.Recipes.Single().Gates.Single().Location, Is.EqualTo("recipes/q.yaml(14,5)"));
            Assert.That(WmqJson.Write(back), Is.EqualTo(json));
            Assert.That(RunStatuses.ExitCode(back.Status), Is.EqualTo(ExitCodes.GateFailed));
            Assert.That(RunStatuses.Name(RunStatus.EnvironmentFailure), Is.EqualTo("environment_failure"));
        });
    }
}
