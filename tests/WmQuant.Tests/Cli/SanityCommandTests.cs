using System.Text.Json;
using SkiaSharp;
using WmQuant.Contract;
using WmQuant.Reports.Charts;
using WmQuant.Tests.Recipes;
using WmQuant.Tests.Support;

namespace WmQuant.Tests.Cli;

[NonParallelizable]
public sealed class SanityCommandTests
{
    [Test]
    public void sanity_of_a_folder_without_a_model_is_WMQ3002_with_a_hint_and_writes_nothing()
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "out");

        var result = WmqResult.Run("sanity", "--model", Path.Combine(tmp.Path, "no-model"), "--env", "wall", "--out", output, "--device", "cpu");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error,
                Does.Contain($"error {DiagnosticCodes.ModelUnreadable}: model checkpoint not found;").And.Contain("written by wmq train"));
            Assert.That(result.Out, Is.Empty);
            Assert.That(Directory.Exists(output), Is.False, "nothing written");
        });
    }

    [Test]
    public void sanity_of_a_model_on_an_environment_it_was_not_trained_on_is_bad_input_not_a_crash()
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "out");

        var result = WmqResult.Run("sanity", "--model", RepositoryFiles.PathOf("models/wall"), "--env", "pusht", "--out", output, "--device", "cpu");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error.TrimEnd(),
                Is.EqualTo($"error {DiagnosticCodes.OptionValue}: environment 'pusht' has 2-d actions and 4-d proprio; " +
                "the model was trained on 2-d actions and 2-d proprio; name the environment the model was trained on"));
            Assert.That(result.Out, Is.Empty);
            Assert.That(Directory.Exists(output), Is.False, "nothing written");
        });
    }

    [Test]
    public void sanity_refuses_a_count_below_1_before_loading_anything()
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "out");

        var result = WmqResult.Run("sanity", "--model", RepositoryFiles.PathOf("models/wall"), "--env", "wall", "--out", output, "--steps", "0");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error.TrimEnd(), Is.EqualTo($"error {DiagnosticCodes.OptionValue}: --steps must be at least 1 (got 0)"));
            Assert.That(result.Out, Is.Empty);
            Assert.That(Directory.Exists(output), Is.False, "nothing written");
        });
    }

    [Test]
    public void sanity_of_the_wall_model_prints_its_tables_and_writes_the_record_and_a_labelled_image()
    {
        using var tmp = new TempDirectory();
        string output = Path.Combine(tmp.Path, "out");

        var result = WmqResult.Run(
            "sanity", "--model", RepositoryFiles.PathOf("models/wall"), "--env", "wall", "--out", output,
            "--episodes", "2", "--steps", "2", "--images", "1", "--profile-episodes", "3", "--device", "cpu");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Passed), result.ToString());
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "sanity.json")));
        using var image = SKBitmap.Decode(Path.Combine(output, "reconstructions.png"));
        var root = record.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(result.Out,
                Does.StartWith("open-loop prediction over 2 random-action rollouts (wall, seeds 99·n+3), visual latent MSE per step:"));
            Assert.That(result.Out, Does.Contain("objective terms vs state distance: Spearman visual"));
            Assert.That(result.Out, Does.Contain("objective terms vs shortest free path (px): Spearman visual"));
            Assert.That(root.GetProperty("model_sha256").GetString(),
                Is.EqualTo(WmQuant.IO.FileHashes.Sha256(RepositoryFiles.PathOf("models/wall/model.safetensors"))));
            Assert.That(root.GetProperty("open_loop").GetProperty("steps").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("distance_profiles").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("reconstructions").GetString(), Is.EqualTo("reconstructions.png"));
            // One episode: three labelled rows (real, decoded, predicted); the observed frame and two steps as columns.
            const int cell = ReconstructionGridImage.Cell, gap = ReconstructionGridImage.Gap, margin = ReconstructionGridImage.Margin;
            Assert.That(image.Width, Is.EqualTo((2 * margin) + ReconstructionGridImage.LabelWidth + (3 * cell) + (2 * gap)));
            Assert.That(image.Height, Is.EqualTo((2 * margin) + ReconstructionGridImage.HeaderHeight + (3 * cell) + (2 * gap)));
            Assert.That(result.Error, Is.Empty);
        });
    }
}
