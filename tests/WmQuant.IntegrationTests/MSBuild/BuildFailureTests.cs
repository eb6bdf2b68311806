using System.Text.RegularExpressions;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.MSBuild;

/// <summary>What a failing recipe does to `dotnet build`: an MSBuild error with the wmq code at the recipe's line.</summary>
[TestFixture]
[NonParallelizable]
public class BuildFailureTests
{
    private FixtureRepository repo = null!;

    [OneTimeSetUp]
    public void Bind() => repo = SharedFixture.Repository;

    [Test]
    public void Failed_gate_fails_the_build_with_WMQ4001_at_the_gate_line_every_time()
    {
        string text = FixtureRepository.QuickRecipe("it-gate", "{ metric: success_rate, min: 1.0 }");
        repo.Write("gate/gate.yaml", text);
        string project = repo.WriteSourceProject("gate", "gate.yaml");
        int line = FixtureRepository.LineOf(text, "min: 1.0");
        // Console logger lines may carry a node prefix ("1>"); the file is the absolute recipe path.
        var pattern = new Regex(Regex.Escape(repo.Combine("gate", "gate.yaml")) + $@"\({line},5\): error WMQ4001: gate success_rate min failed");

        var build = repo.Build(project);
        Assert.That(build.ExitCode, Is.Not.Zero, build.ToString());
        Assert.That(pattern.IsMatch(build.Output), Is.True, build.ToString());
        Assert.That(File.Exists(repo.Combine("gate", "bin", "Release", "net10.0", "quantized", "it-gate", "model.safetensors")), Is.False,
            "a failed gate's artifact does not reach the build output");

        // The artifact was written (marked failed), but nothing records success: the next build fails again.
        var again = repo.Build(project);
        Assert.That(again.ExitCode, Is.Not.Zero, again.ToString());
        Assert.That(pattern.IsMatch(again.Output), Is.True, again.ToString());

        var skipped = repo.Build(project, "-p:WmQuantSkipGates=true");
        Assert.That(skipped.ExitCode, Is.Zero, skipped.ToString());
        Assert.That(skipped.Output, Does.Match(Regex.Escape(repo.Combine("gate", "gate.yaml")) + $@"\({line},5\): warning WMQ4001: gate success_rate min failed"));
    }

    [Test]
    public void Syntax_error_fails_the_build_with_file_line_and_column()
    {
        repo.Write("syntax/bad.yaml", "version: 1\nname: [broken\nmodel: {\n");
        string project = repo.WriteSourceProject("syntax", "bad.yaml");

        var build = repo.Build(project);
        Assert.That(build.ExitCode, Is.Not.Zero, build.ToString());
        Assert.That(build.Output, Does.Match(Regex.Escape(repo.Combine("syntax", "bad.yaml")) + @"\(2,7\): error WMQ1002: malformed YAML"));
    }

    [Test]
    public void Missing_tool_fails_with_a_message_that_says_what_to_set()
    {
        repo.Write("notool/quick.yaml", FixtureRepository.QuickRecipe("it-notool"));
        string project = repo.WriteSourceProject("notool", "quick.yaml");
        var build = repo.Build(project, "-p:WmQuantToolPath=" + repo.Combine("missing", "wmq.dll"));
        Assert.That(build.ExitCode, Is.Not.Zero, build.ToString());
        Assert.That(build.Output, Does.Contain("error WMQ5001: WmQuantToolPath"));
    }
}
