using System.Text.Json.Nodes;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>`wmq gate` as CI runs it: paired gates over evaluation files, exit 0 / 1 / 2.</summary>
public sealed class GateCommandTests
{
    private DirectoryInfo _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("wmq-gate-");

    [TearDown]
    public void DeleteScratch() => _scratch.Delete(recursive: true);

    private static string WallBaseline => Path.Combine(RepositoryLayout.WallModel, "baseline.json");

    /// <summary>The Wall model's CPU-profile evaluation as a standalone record, with the first <paramref name="lost"/> episodes turned into failures.</summary>
    private string Candidate(int lost)
    {
        var file = JsonNode.Parse(File.ReadAllText(WallBaseline))!;
        var record = file["evaluations"]!.AsArray().First(e => (string)e!["device"]! == "cpu")!.DeepClone();
        var episodes = record["episodes"]!.AsArray();
        for (var i = 0; i < lost; i++)
        {
            episodes[i]!["success"] = false;
        }

        record["successes"] = episodes.Count(e => (bool)e!["success"]!);
        var path = Path.Combine(_scratch.FullName, $"candidate-{lost}.json");
        File.WriteAllText(path, record.ToJsonString());
        return path;
    }

    private static ProcessResult Gate(params string[] options) =>
        ProcessRun.Dotnet(RepositoryLayout.Root, TimeSpan.FromMinutes(2), [RepositoryLayout.WmqDll, "gate", .. options]);

    [Test]
    public void An_unchanged_run_passes_against_the_matching_evaluation_of_a_baseline_file()
    {
        var result = Gate("--candidate", Candidate(0), "--baseline", WallBaseline, "--min-success", "0.9", "--max-drop", "0");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
            Assert.That(result.Output, Does.Contain("gate success_rate min: PASSED"));
            Assert.That(result.Output, Does.Contain("gate success_rate max_drop_vs_baseline: PASSED"));
            Assert.That(result.Output, Does.Contain("paired, 50 seeds: 0 lost, 0 gained"));
        });
    }

    [Test]
    public void A_real_drop_fails_with_wmq4001_and_exit_code_1()
    {
        var result = Gate("--candidate", Candidate(10), "--baseline", WallBaseline, "--max-drop", "0.05");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Output, Does.Contain("FAILED"));
            Assert.That(result.Output, Does.Contain("error WMQ4001"));
            Assert.That(result.Output, Does.Contain("10 lost, 0 gained"));
        });
    }

    private static readonly object[] InputErrors =
    [
        new object[] { new[] { "--candidate", "{candidate}" }, "error WMQ2001: name at least one gate" },
        new object[] { new[] { "--candidate", "{candidate}", "--max-drop", "0.05" }, "error WMQ2001: --max-drop compares with a baseline" },
        new object[] { new[] { "--candidate", "{candidate}", "--min-success", "1.5", "--confidence", "1" }, "--min-success must lie in 0 … 1" },
        new object[] { new[] { "--candidate", "{scratch}/missing.json", "--min-success", "0.5" }, "error WMQ2002: " },
        new object[] { new[] { "--candidate", "{candidate}", "--baseline", "{pusht}", "--max-drop", "0" }, "no evaluation planned like the candidate" },
    ];

    [TestCaseSource(nameof(InputErrors))]
    public void Unusable_input_exits_with_2_before_judging(string[] options, string message)
    {
        var candidate = Candidate(0);
        var pusht = Path.Combine(RepositoryLayout.Root, "models", "pusht", "baseline.json");
        var result = Gate([.. options.Select(o => o.Replace("{candidate}", candidate, StringComparison.Ordinal).Replace("{scratch}", _scratch.FullName, StringComparison.Ordinal).Replace("{pusht}", pusht, StringComparison.Ordinal))]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.Output, Does.Contain(message));
            Assert.That(result.Output, Does.Not.Contain("gate success_rate"));
            Assert.That(result.Output, Does.Not.Contain("Unhandled exception"));
        });
    }
}
