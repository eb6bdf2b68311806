using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>
/// `wmq train`, `wmq data generate` and `wmq sanity` as a user runs them: input a user can fix gives its error code,
/// a hint, exit code 2, no stack trace, and no half-made output folder.
/// </summary>
public sealed class CommandInputErrorTests
{
    private static readonly object[] Cases =
    [
        new object[] { new[] { "train", "--config", "missing.yaml", "--data", "{tmp}/data" }, "error WMQ2101", "model config not found" },
        new object[] { new[] { "train", "--config", "models/configs/reference-wall.yaml", "--data", "{tmp}/data" }, "error WMQ2102", "wmq data generate" },
        new object[] { new[] { "data", "generate", "--env", "pusht", "--trajectories", "0" }, "error WMQ2001", "--trajectories and --steps must be positive" },
        new object[] { new[] { "sanity", "--model", "{tmp}/no-model", "--env", "wall" }, "error WMQ3002: model checkpoint not found", "written by wmq train" },
    ];

    [TestCaseSource(nameof(Cases))]
    public void Bad_input_is_reported_and_nothing_is_written(string[] options, string code, string hint)
    {
        var scratch = Directory.CreateTempSubdirectory("wmq-input-errors-");
        try
        {
            var output = Path.Combine(scratch.FullName, "out");
            string[] arguments = [RepositoryLayout.WmqDll, .. options.Select(o => o.Replace("{tmp}", scratch.FullName, StringComparison.Ordinal)), "--out", output];

            var result = ProcessRun.Dotnet(RepositoryLayout.Root, TimeSpan.FromMinutes(2), arguments);

            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
                Assert.That(result.Output, Does.Contain(code));
                Assert.That(result.Output, Does.Contain(hint));
                Assert.That(result.Output, Does.Not.Contain("Unhandled exception"));
                Assert.That(Directory.Exists(output), Is.False, "a failed command leaves no output folder");
            });
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
