using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Runtime;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class BlockInputCalibrationTests
{
    [Test]
    public void Calibration_records_whole_input_sequences_of_the_first_blocks_when_asked_and_saves_and_reloads_them()
    {
        using var temp = new TempDirectory();
        string root = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 71);
        var config = model.Config;
        var settings = QuantModelTestSupport.SmallCalibration(episodes: 2) with { BlockInputSamples = 5 };
        using var first = PlanningCalibrator.Run(model, settings, QuantModelTestSupport.Environments(config), "ef56");
        using var second = PlanningCalibrator.Run(model, settings, QuantModelTestSupport.Environments(config), "ef56");
        using var plain = PlanningCalibrator.Run(model, settings with { BlockInputSamples = 0 }, QuantModelTestSupport.Environments(config));

        var blocks = first.BlockInputs!;
        var encoder = blocks.Of("encoder.blocks.0").Single();
        Assert.That(encoder.Tokens, Is.EqualTo(1 + config.PatchesPerFrame), "CLS and patch tokens");
        Assert.That(encoder.Width, Is.EqualTo(config.Encoder.Dim));
        Assert.That(encoder.SequencesSeen, Is.GreaterThan(0));
        Assert.That(encoder.Count, Is.EqualTo(Math.Min(5, encoder.SequencesSeen)));
        // The first token of every block-0 input is the CLS token plus its positional embedding.
        using (no_grad())
        {
            var cls = model.Encoder.ClsToken.reshape(-1).Add(model.Encoder.PosEmbed[0, 0]);
            var recorded = encoder.Sequences().select(1, 0);
            Assert.That(recorded.sub(cls).abs().max().item<float>(), Is.LessThan(1e-6f));
        }

        var predictor = blocks.Of("predictor.transformer.layers.0");
        Assert.That(predictor, Is.Not.Empty);
        Assert.That(predictor.All(s => s.Tokens % config.PatchesPerFrame == 0 && s.Width == model.Predictor.PosEmbedding.shape[2]), Is.True);
        Assert.That(predictor.Sum(s => s.SequencesSeen), Is.GreaterThan(5), "CEM samples flow through the predictor");
        Assert.That(predictor.All(s => s.Count == Math.Min(5, s.SequencesSeen)), Is.True);

        // Hooks are gone and the predictor's incremental path is back; a set without block inputs has none and keeps its key.
        Assert.That(model.Predictor.IncrementalInference, Is.True);
        Assert.That(plain.BlockInputs, Is.Null);
        Assert.That(plain.Provenance.SettingsJson, Does.Not.Contain("block_input_samples"));
        Assert.That(first.Provenance.SettingsJson, Does.Contain("\"block_input_samples\":5"));
        Assert.That(settings.Validate(), Is.Empty);
        Assert.That((settings with { BlockInputSamples = -1 }).Validate(), Has.Some.Contains("block input samples"));

        // Deterministic, and saved and reloaded exactly (the manifest lists the streams).
        string a = Path.Combine(root, "a");
        first.Save(a);
        second.Save(Path.Combine(root, "b"));
        Assert.That(
            File.ReadAllBytes(Path.Combine(a, CalibrationSet.TensorsFileName)),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(root, "b", CalibrationSet.TensorsFileName))));
        Assert.That(File.ReadAllText(Path.Combine(a, CalibrationSet.ManifestFileName)), Does.Contain("\"block_inputs\""));
        var loaded = CalibrationSet.Load(a);
        Assert.That(loaded.Problem, Is.Null);
        using var copy = loaded.Set!;
        var described = blocks.Streams.Select(s => (s.Block, s.Tokens, s.SequencesSeen));
        Assert.That(copy.BlockInputs!.Streams.Select(s => (s.Block, s.Tokens, s.SequencesSeen)), Is.EqualTo(described));
        foreach (var (original, reloaded) in blocks.Streams.Zip(copy.BlockInputs.Streams))
        {
            Assert.That(QuantModelTestSupport.Identical(original.Sequences(), reloaded.Sequences()), Is.True, $"{original.Block}@{original.Tokens}");
        }

        plain.Save(Path.Combine(root, "plain"));
        Assert.That(File.ReadAllText(Path.Combine(root, "plain", CalibrationSet.ManifestFileName)), Does.Not.Contain("block_input"));
        using var plainCopy = CalibrationSet.Load(Path.Combine(root, "plain")).Set!;
        Assert.That(plainCopy.BlockInputs, Is.Null);
    }

    [Test]
    public void Block_input_sample_keeps_a_uniform_reservoir_of_sequences_per_length()
    {
        using var sample = new BlockInputSample(capacity: 3, seed: 9);
        var batch = ScalarOps.Arange(10 * 2 * 4, dtype: ScalarType.Float32).reshape(10, 2, 4);
        sample.Observe("b", batch);
        sample.Observe("b", ones(2, 6, 4));
        var streams = sample.Of("b");
        Assert.That(streams.Select(s => s.Tokens), Is.EqualTo(new long[] { 2, 6 }));
        Assert.That(streams[0].SequencesSeen, Is.EqualTo(10));
        Assert.That(streams[0].Count, Is.EqualTo(3));
        var kept = streams[0].Sequences();
        foreach (long i in Enumerable.Range(0, 3))
        {
            // Each kept sequence is one of the batch's, whole.
            var sequence = kept[i];
            long index = (long)(sequence[0, 0].item<float>() / 8);
            Assert.That(QuantModelTestSupport.Identical(sequence, batch[index]), Is.True);
        }

        Assert.That(() => sample.Observe("b", ones(1, 2, 5)), Throws.ArgumentException, "another width");
        Assert.That(() => sample.Observe("b", ones(2, 4)), Throws.ArgumentException, "not [B, N, D]");
        var tensors = sample.ToTensors();
        using var restored = BlockInputSample.FromTensors(tensors)!;
        Assert.That(QuantModelTestSupport.Identical(restored.Of("b")[0].Sequences(), kept), Is.True);
        Assert.That(BlockInputSample.FromTensors(new Dictionary<string, Tensor>()), Is.Null);
    }
}
