using WmQuant.Contract;
using WmQuant.Environments.Datasets;
using WmQuant.Tests.Support;

namespace WmQuant.Tests.Cli;

[NonParallelizable]
public sealed class DataCommandTests
{
    private static readonly object[] BadGenerateOptions =
    [
        new object[] { new[] { "--env", "pusht", "--trajectories", "0" }, DiagnosticCodes.OptionValue,
            "--trajectories and --steps must be positive." },
        new object[] { new[] { "--env", "pusht", "--exploration-share", "1.5" }, DiagnosticCodes.OptionValue,
            "--exploration-share and --demo-pace-share must lie in [0, 1]." },
        new object[] { new[] { "--env", "pointmaze" }, DiagnosticCodes.CommandLine, "pointmaze" },
        new object[] { new[] { "--env", "wall", "--policy", "zigzag" }, DiagnosticCodes.CommandLine, "zigzag" },
    ];

    [TestCaseSource(nameof(BadGenerateOptions))]
    public void data_generate_refuses_bad_options_with_exit_2_and_writes_nothing(string[] options, string code, string message)
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "data");

        var result = WmqResult.Run(["data", "generate", .. options, "--out", output]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error, Does.Contain($"error {code}: ").And.Contain(message));
            Assert.That(result.Out, Is.Empty);
            Assert.That(Directory.Exists(output), Is.False, "nothing written");
        });
    }

    [Test]
    public void data_generate_writes_a_dataset_that_data_info_prints_and_training_can_open()
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "data");

        var generated = WmqResult.Run("data", "generate", "--env", "wall", "--policy", "random-walk", "--trajectories", "2", "--steps", "3",
            "--seed", "5", "--out", output);
        var info = WmqResult.Run("data", "info", "--dir", output);

        Assert.That(generated.ExitCode, Is.EqualTo(ExitCodes.Passed), generated.ToString());
        var card = TrajectoryDataset.Open(output).Card;
        Assert.Multiple(() =>
        {
            Assert.That(generated.Error, Does.StartWith($"Generating 2 wall trajectories × 3 steps (seed 5) into {output}"));
            Assert.That(generated.Out, Does.StartWith($"Wrote 2 trajectories (6 steps) to {output} in "));
            Assert.That((card.Environment, card.Trajectories, card.StepsPerTrajectory, card.Seed), Is.EqualTo(("wall", 2, 3, 5)));
            Assert.That(card.Generator, Does.StartWith("wall random walk"), "--policy random-walk chose the random-walk generator");
            Assert.That(info.ExitCode, Is.EqualTo(ExitCodes.Passed), info.ToString());
            Assert.That(info.Out, Is.EqualTo(File.ReadAllText(Path.Combine(output, TrajectoryDataset.CardFileName)) + Environment.NewLine));
        });
    }

    [Test]
    public void data_info_of_a_folder_without_a_card_is_WMQ2002_at_the_card()
    {
        using var tmp = new TempDirectory();

        var result = WmqResult.Run("data", "info", "--dir", tmp.Path);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error.TrimEnd(), Is.EqualTo(
                $"{Path.Combine(tmp.Path, "dataset.json")}: error {DiagnosticCodes.InputUnusable}: " +
                "no dataset card; generate one with `wmq data generate`."));
            Assert.That(result.Out, Is.Empty);
        });
    }

    [Test]
    public void data_bench_refuses_no_instances_and_times_two()
    {
        var refused = WmqResult.Run("data", "bench", "--env", "wall", "--instances", "0");
        var timed = WmqResult.Run("data", "bench", "--env", "wall", "--instances", "2", "--steps", "2", "--size", "16");

        Assert.Multiple(() =>
        {
            Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), refused.ToString());
            Assert.That(refused.Error.TrimEnd(), Is.EqualTo($"error {DiagnosticCodes.OptionValue}: --instances must be at least 1 (got 0)"));
            Assert.That(refused.Out, Is.Empty);
            Assert.That(timed.ExitCode, Is.EqualTo(ExitCodes.Passed), timed.ToString());
            Assert.That(timed.Out,
                Does.Match(@"^wall: 2 instances × 2 steps in [0-9.]+ ms; 2 frames at 16 px in [0-9.]+ ms \(best of 5, \d+ cores\)"));
        });
    }

    [Test]
    public void every_dataset_generator_serves_a_catalog_environment_and_names_it_in_its_cards()
    {
        foreach (var definition in DatasetGenerators.All)
        {
            Assert.That(WmQuant.Environments.EnvironmentCatalog.Find(definition.Environment), Is.Not.Null, definition.Environment);
            foreach (var policy in Enum.GetValues<WallDataPolicy>())
            {
                Assert.That(definition.Create(new DatasetGeneratorOptions(policy)).Environment, Is.EqualTo(definition.Environment));
            }
        }
    }
}
