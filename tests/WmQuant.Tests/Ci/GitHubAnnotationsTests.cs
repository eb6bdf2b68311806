using WmQuant.Cli.Ci;
using WmQuant.Contract;
using WmQuant.Diagnostics;

namespace WmQuant.Tests.Ci;

public class GitHubAnnotationsTests
{
    [Test]
    public void Failed_and_unjudged_gates_become_error_commands_at_their_recipe_line()
    {
        var lines = GitHubAnnotations.Render([CiSamples.Failed(), CiSamples.Passed(), CiSamples.NotJudged()], CiSamples.Repo);

        Assert.That(lines, Is.EqualTo(new[]
        {
            "::error file=quantize.yaml,line=22,col=5,title=WMQ4001 gate success_rate min failed::success_rate 0.80 < min 0.85 (95%25 Wilson [0.67, 0.89])",
            "::error file=quantize.yaml,line=23,col=5,title=WMQ4002 gate success_rate max_drop_vs_baseline could not be judged::no baseline | run",
        }));
    }

    [Test]
    public void A_run_annotates_each_gate_once_and_every_other_problem_with_its_code_and_place()
    {
        var failed = CiSamples.Failed();
        var diagnostics = new[]
        {
            failed.ToDiagnostic()!,
            Diagnostic.At(new SourcePosition("/repo/pipelines/w.yaml", 14, 11), Severity.Error, "WMQ1105", "quantization.method is 'x'; allowed: rtn"),
            Diagnostic.Warning("WMQ3001", "no CUDA device: running on the CPU"),
            Diagnostic.FileError("WMQ1001", "/repo/missing.yaml", "file not found"),
        };

        var lines = GitHubAnnotations.ForRun([failed, CiSamples.Passed()], diagnostics, CiSamples.Repo);

        Assert.That(lines, Is.EqualTo(new[]
        {
            "::error file=quantize.yaml,line=22,col=5,title=WMQ4001 gate success_rate min failed::success_rate 0.80 < min 0.85 (95%25 Wilson [0.67, 0.89])",
            "::error file=pipelines/w.yaml,line=14,col=11,title=WMQ1105::quantization.method is 'x'; allowed: rtn",
            "::warning title=WMQ3001::no CUDA device: running on the CPU",
            "::error file=missing.yaml,title=WMQ1001::file not found",
        }));
    }

    [Test]
    public void Skipped_gates_are_warnings()
    {
        Assert.That(GitHubAnnotations.ForRun([CiSamples.Failed()], [], CiSamples.Repo, gatesAsWarnings: true).Single(), Does.StartWith("::warning file=quantize.yaml,line=22,"));
    }

    [TestCase("true", null, true)]
    [TestCase("TRUE", null, true)]
    [TestCase("true", "1", false)]
    [TestCase(null, null, false)]
    [TestCase("false", null, false)]
    public void Annotations_are_on_for_github_actions_unless_the_caller_turns_them_off(string? githubActions, string? off, bool expected)
    {
        var environment = new Dictionary<string, string?> { ["GITHUB_ACTIONS"] = githubActions, [WmqEnvironment.NoAnnotations] = off };
        Assert.That(GitHubAnnotations.Enabled(name => environment.GetValueOrDefault(name)), Is.EqualTo(expected));
    }

    [Test]
    public void Messages_and_properties_are_escaped_as_the_runner_expects()
    {
        var verdict = CiSamples.Failed(message: "dropped 5% of\r\nruns: a, b", file: "/repo/odd,dir:x/quantize.yaml");

        string line = GitHubAnnotations.Error(verdict, CiSamples.Repo);

        Assert.That(line, Is.EqualTo(
            "::error file=odd%2Cdir%3Ax/quantize.yaml,line=22,col=5,title=WMQ4001 gate success_rate min failed::dropped 5%25 of%0D%0Aruns: a, b"));
    }

    [TestCase("100%", "100%25", "100%25")]
    [TestCase("a\nb\rc", "a%0Ab%0Dc", "a%0Ab%0Dc")]
    [TestCase("k: v, w", "k: v, w", "k%3A v%2C w")]
    [TestCase("%0A", "%250A", "%250A")]
    public void Escaping_rules(string raw, string data, string property)
    {
        Assert.That(GitHubAnnotations.EscapeData(raw), Is.EqualTo(data));
        Assert.That(GitHubAnnotations.EscapeProperty(raw), Is.EqualTo(property));
    }

    [Test]
    public void A_recipe_outside_the_base_directory_keeps_its_full_path()
    {
        var verdict = CiSamples.Failed(file: "/elsewhere/r.yaml");

        Assert.That(GitHubAnnotations.Error(verdict, CiSamples.Repo), Does.StartWith("::error file=/elsewhere/r.yaml,line=22,"));
    }
}
