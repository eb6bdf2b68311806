using WmQuant.Contract;
using WmQuant.Models.Config;
using WmQuant.Tests.Recipes;
using WmQuant.Tests.Support;
using WmQuant.Tests.Training;

namespace WmQuant.Tests.Cli;

[NonParallelizable]
public sealed class TrainCommandTests
{
    private static readonly object[] BadInputs =
    [
        new object[] { new[] { "--config", "{tmp}/missing.yaml", "--data", "{tmp}/data" }, DiagnosticCodes.TrainConfig,
            "missing.yaml(1,1): model config not found" },
        new object[] { new[] { "--config", "{wall-config}", "--data", "{tmp}/data" }, DiagnosticCodes.TrainDataset,
            "generate one with `wmq data generate`" },
        new object[] { new[] { "--config", "{tiny-config}", "--data", "{dataset}", "--batch-size", "0" }, DiagnosticCodes.TrainIncompatible,
            "batch size must be at least 1 (got 0)" },
    ];

    [TestCaseSource(nameof(BadInputs))]
    public void train_reports_unusable_input_with_its_code_exit_2_and_writes_nothing(string[] options, string code, string message)
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "model");

        var result = WmqResult.Run(["train", .. options.Select(o => Expand(o, tmp.Path)), "--out", output]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error, Does.StartWith($"error {code}: ").And.Contain(message), result.ToString());
            Assert.That(result.Out, Is.Empty);
            Assert.That(Directory.Exists(output), Is.False, "nothing written");
        });
    }

    [Test]
    public void train_writes_a_model_and_logs_every_step_it_was_asked_to()
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "model");

        var result = WmqResult.Run(
            "train", "--config", Expand("{tiny-config}", tmp.Path), "--data", TrainingTestSupport.DatasetDirectory, "--out", output,
            "--encoder-steps", "2", "--predictor-steps", "2", "--batch-size", "4", "--log-every", "1", "--checkpoint-every", "0", "--device", "cpu");

        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Passed), result.ToString());
            Assert.That(lines[0], Does.StartWith("training tiny-wall on wall (10 trajectories) on cpu with "));
            Assert.That(lines.Count(l => l.StartsWith("EncoderPretraining", StringComparison.Ordinal)), Is.EqualTo(2));
            Assert.That(lines.Count(l => l.StartsWith("Predictor", StringComparison.Ordinal)), Is.EqualTo(2));
            Assert.That(lines[^1], Does.StartWith($"wrote {Path.Combine(output, "model.safetensors")} (sha256 "));
            Assert.That(File.Exists(Path.Combine(output, "normalization.json")), Is.True);
            Assert.That(result.Error, Is.Empty);
        });
    }

    /// <summary>Placeholders: a scratch folder, the shipped Wall config, a tiny config written there, the shared tiny dataset.</summary>
    private static string Expand(string option, string tmp)
    {
        if (option == "{tiny-config}")
        {
            string path = Path.Combine(tmp, "tiny-wall.yaml");
            File.WriteAllText(path, WorldModelConfigYaml.Serialize(TrainingTestSupport.TinyWall()));
            return path;
        }

        return option
            .Replace("{tmp}", tmp, StringComparison.Ordinal)
            .Replace("{wall-config}", RepositoryFiles.PathOf("models/configs/reference-wall.yaml"), StringComparison.Ordinal)
            .Replace("{dataset}", TrainingTestSupport.DatasetDirectory, StringComparison.Ordinal);
    }
}
