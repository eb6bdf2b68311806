using WmQuant.Cli.Ci;

namespace WmQuant.Tests.Ci;

public class GitHubStepSummaryTests
{
    [Test]
    public void Appends_to_the_file_the_environment_names()
    {
        string path = Path.Combine(Path.GetTempPath(), $"wmq-summary-{Guid.NewGuid():N}.md");
        var environment = new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = path };
        try
        {
            File.WriteAllText(path, "earlier step\n");

            string? first = GitHubStepSummary.Append("### one", name => environment.GetValueOrDefault(name));
            GitHubStepSummary.Append("### two\n", name => environment.GetValueOrDefault(name));

            Assert.That(first, Is.EqualTo(path));
            Assert.That(File.ReadAllText(path), Is.EqualTo("earlier step\n### one\n### two\n"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Does_nothing_outside_github_actions()
    {
        Assert.That(GitHubStepSummary.Append("### one", _ => null), Is.Null);
        Assert.That(GitHubStepSummary.Append("### one", _ => "  "), Is.Null);
    }
}
