using WmQuant.IO;
using WmQuant.Models.Checkpoints;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning.Adapters;
using WmQuant.Planning;
using WmQuant.Planning.Evaluation;
using WmQuant.Tests.Models;
using WmQuant.Tests.Support;

namespace WmQuant.Tests.Pipeline;

public sealed class ModelBundleTests
{
    private static string WallCheckpoint => Path.Combine(ModelTestSupport.RepositoryRoot, "models", "wall", "model.safetensors");

    [Test]
    public void LoadsTheBundledWallModelWithItsStatisticsAndHash()
    {
        var result = ModelBundle.Load(WallCheckpoint);
        Assert.That(result.Problems, Is.Empty);
        using var model = result.Model!;
        Assert.Multiple(() =>
        {
            Assert.That(model.Sha256, Is.EqualTo(FileHashes.Sha256(WallCheckpoint)).And.Length.EqualTo(64));
            Assert.That(model.Normalization.ActionMean, Has.Length.EqualTo(2));
            Assert.That(model.CreateMpcSettings(7).MaxIterations, Is.EqualTo(7));
            Assert.That(model.Model.Config.Name, Is.EqualTo("reference-wall"));
        });
    }

    [Test]
    public void ReportsEveryMissingFileAtOnce()
    {
        using var dir = new TempDirectory();
        File.Copy(WallCheckpoint, Path.Combine(dir.Path, "m.safetensors"));
        var result = ModelBundle.Load(Path.Combine(dir.Path, "m.safetensors"), Path.Combine(dir.Path, "missing.yaml"));
        Assert.That(result.Model, Is.Null);
        var lines = result.Problems.Select(p => p.ToCanonicalString()).ToList();
        Assert.That(lines, Has.Some.Contains("error WMQ3001: normalization.json"));
        Assert.That(lines, Has.Some.Contains("error WMQ3003"));
    }

    [Test]
    public void MissingCheckpointIsAProblemNotAnException()
    {
        var result = ModelBundle.Load("/nonexistent/model.safetensors");
        Assert.That(result.Problems.Select(p => p.ToCanonicalString()), Is.EqualTo(new[] { "/nonexistent/model.safetensors: error WMQ3002: model checkpoint not found" }));
    }

    [Test]
    public void EvaluationRecordRoundTripsThroughItsFile()
    {
        var record = new EvaluationRecord(
            "wall", new string('a', 64), "fp32", new PlannerRecord(PlannerKind.MpcCem, 5, 64, 8, 5, 1.0, 50, 1.0),
            2, 1, 0, "cpu", 1, 0.5, [0.1, 0.9], 3.5, 10, [0.5, 0.25], [1, 0.5], [0.01], 1.5,
            [new EpisodeRecord(1, true, 2.0, 1), new EpisodeRecord(100, false, 5.0, 50)]);
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "e.json");
        record.Save(path);
        var back = EvaluationRecord.Load(path);
        Assert.Multiple(() =>
        {
            Assert.That(back.Episodes, Is.EqualTo(record.Episodes));
            Assert.That(back.Planner, Is.EqualTo(record.Planner));
            Assert.That(back.SuccessInterval95, Is.EqualTo(record.SuccessInterval95));
            Assert.That(File.ReadAllText(path), Does.Contain("\"kind\": \"mpc-cem\"").And.Contain("\"final_distance\": 5"));
        });
    }

    [Test]
    public void EnvironmentParametersAreRecordedWhenSetAndKeepTheRecordOutOfDefaultBaselines()
    {
        var planner = new PlannerRecord(PlannerKind.MpcCem, 5, 64, 8, 5, 1.0, 30, 1.0);
        var sha = new string('b', 64);
        var plain = new EvaluationRecord(
            "pusht", sha, "fp32", planner, 1, 1, 0, "cpu", 1, 1.0, [0.2, 1.0], 3.5, 1, [0.5], [1], [0.01], 1.5,
            [new EpisodeRecord(1, true, 2.0, 1)]);
        var fastGoals = plain with { EnvironmentParameters = new Dictionary<string, double> { ["goal_pace"] = 0.6 } };
        using var dir = new TempDirectory();
        string plainPath = Path.Combine(dir.Path, "plain.json");
        string fastPath = Path.Combine(dir.Path, "fast.json");
        plain.Save(plainPath);
        fastGoals.Save(fastPath);
        var back = EvaluationRecord.Load(fastPath);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(plainPath), Does.Not.Contain("environment_parameters"), "default task: the file is unchanged");
            Assert.That(File.ReadAllText(fastPath), Does.Contain("\"environment_parameters\""));
            Assert.That(back.EnvironmentParameters, Is.EqualTo(new Dictionary<string, double> { ["goal_pace"] = 0.6 }));
            Assert.That(new ModelBaselineFile(sha, [fastGoals]).Find(sha, "pusht", planner, 1, 1, 0, "cpu"), Is.Null, "other goals are no baseline");
            Assert.That(new ModelBaselineFile(sha, [fastGoals, plain]).Find(sha, "pusht", planner, 1, 1, 0, "cpu"), Is.EqualTo(plain));
        });
    }
}
