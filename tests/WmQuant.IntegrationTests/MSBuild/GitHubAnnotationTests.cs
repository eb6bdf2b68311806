using System.Text.RegularExpressions;
using WmQuant.Contract;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.MSBuild;

/// <summary>
/// wmq on GitHub Actions, run as Cake runs it (`--json`, standard output captured): failed gates and recipe errors
/// still become `::error file=…,line=…` workflow commands, on standard error, while standard output stays one JSON
/// object. In this namespace for the fixture repository and its warm stage cache (a real run, 2 episodes).
/// </summary>
[TestFixture]
[NonParallelizable]
public class GitHubAnnotationTests
{
    private static readonly Dictionary<string, string?> OnGitHub = new() { ["GITHUB_ACTIONS"] = "true", ["GITHUB_STEP_SUMMARY"] = null, [WmqEnvironment.NoAnnotations] = null };

    private static SplitProcessResult Wmq(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        ProcessRun.DotnetSplit(SharedFixture.Repository.Root, TimeSpan.FromMinutes(5), environment, [RepositoryLayout.WmqDll, .. arguments]);

    [Test]
    public void A_failed_gate_under_json_is_an_error_annotation_at_the_gate_line()
    {
        var repo = SharedFixture.Repository;
        string text = FixtureRepository.QuickRecipe("it-annotate", "{ metric: state_distance, max: 0.0 }");
        repo.Write("annotate/gate.yaml", text);
        int line = FixtureRepository.LineOf(text, "max: 0.0");

        var run = Wmq(OnGitHub, "run", "annotate/gate.yaml", "--json", "--quiet", "--out", repo.Combine("annotate", "out"), "--cache", repo.CacheDirectory);

        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.GateFailed), run.ToString());
        Assert.That(WmqJson.TryRead<RunResult>(run.StandardOutput, out string? problem)?.Status, Is.EqualTo(RunStatus.GateFailed), problem + "\n" + run);
        Assert.That(run.StandardOutput, Does.Not.Contain("::error"), "standard output is the JSON result alone");
        Assert.That(run.StandardError, Does.Match($@"(?m)^::error file=annotate/gate\.yaml,line={line},col=5,title=WMQ4001 gate state_distance max failed::state_distance "),
            run.ToString());
    }

    [Test]
    public void A_recipe_error_is_annotated_in_every_output_mode_and_only_on_github()
    {
        var repo = SharedFixture.Repository;
        string text = FixtureRepository.QuickRecipe("it-annotate-bad").Replace("method: rtn", "method: hqq", StringComparison.Ordinal);
        repo.Write("annotate/bad.yaml", text);
        var expected = new Regex($@"(?m)^::error file=annotate/bad\.yaml,line={FixtureRepository.LineOf(text, "hqq")},col=\d+,title=WMQ1105::quantization\.method is 'hqq'");

        var json = Wmq(OnGitHub, "run", "annotate/bad.yaml", "--json", "--out", repo.Combine("annotate", "out"));
        var plain = Wmq(OnGitHub, "validate", "annotate/bad.yaml");
        var suppressed = Wmq(new Dictionary<string, string?>(OnGitHub) { [WmqEnvironment.NoAnnotations] = "1" }, "validate", "annotate/bad.yaml", "--json");
        var local = Wmq(new Dictionary<string, string?> { ["GITHUB_ACTIONS"] = null }, "validate", "annotate/bad.yaml");

        Assert.Multiple(() =>
        {
            Assert.That(json.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), json.ToString());
            Assert.That(expected.IsMatch(json.StandardError), Is.True, json.ToString());
            Assert.That(WmqJson.TryRead<RunResult>(json.StandardOutput, out _), Is.Not.Null, json.ToString());
            Assert.That(expected.IsMatch(plain.StandardOutput), Is.True, "without --json the annotations go with the rest on standard output\n" + plain);
            Assert.That(suppressed.StandardOutput + suppressed.StandardError, Does.Not.Contain("::error"), "the MSBuild tasks turn them off");
            Assert.That(local.StandardOutput + local.StandardError, Does.Not.Contain("::error"), "no workflow commands off GitHub");
            Assert.That(local.StandardOutput, Does.Contain("error WMQ1105"));
        });
    }
}
