using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class ActivationStatisticsTests
{
    [Test]
    public void Running_statistics_equal_those_of_all_inputs_together()
    {
        using var scope = NewDisposeScope();
        var stats = new ActivationStatistics(reservoirCapacity: 64, seed: 1);
        var batches = Enumerable.Range(0, 5).Select(i => QuantTestData.HeavyTailed(3 * 7, 12, 100 + i).reshape(3, 7, 12).Sub(0.01f)).ToList();
        Action<string, Tensor> observer = stats.AsObserver();
        foreach (var batch in batches)
        {
            observer("blocks.0.mlp.fc1", batch);
        }

        var all = cat(batches.Select(b => b.reshape(-1, 12)).ToList(), 0);
        var layer = stats["blocks.0.mlp.fc1"];
        Assert.That(layer.TokensSeen, Is.EqualTo(105));
        Assert.That(layer.Min, Is.EqualTo(all.min().item<float>()));
        Assert.That(layer.Max, Is.EqualTo(all.max().item<float>()));
        Assert.That(QuantTestData.Same(layer.MaxAbs(), all.abs().amax([0])), Is.True);
        Assert.That(layer.MeanAbs().data<float>().ToArray(), Is.EqualTo(all.abs().mean([0]).data<float>().ToArray()).Within(1e-6));
        Assert.That(stats.Layers, Is.EqualTo(new[] { "blocks.0.mlp.fc1" }));
        Assert.Throws<ArgumentException>(() => stats.Observe("blocks.0.mlp.fc1", zeros(2, 13)));
        Assert.Throws<KeyNotFoundException>(() => _ = stats["missing"]);
    }

    [Test]
    public void Reservoir_holds_real_input_tokens_drawn_uniformly_and_reproducibly()
    {
        using var scope = NewDisposeScope();
        // Token t carries its index in channel 0, so the sample can be traced back.
        const int tokens = 10_000;
        var indices = ScalarOps.Arange(tokens, ScalarType.Float32).unsqueeze(1);
        var input = cat(new[] { indices, indices.Mul(2) }, 1);
        int[] Sample(ulong seed)
        {
            var stats = new ActivationStatistics(reservoirCapacity: 1000, seed: seed);
            foreach (var chunk in input.split(777))
            {
                stats.Observe("qkv", chunk);
            }

            var sampled = stats["qkv"].AllSampledTokens();
            Assert.That(sampled.shape, Is.EqualTo(new long[] { 1000, 2 }));
            Assert.That(QuantTestData.Same(sampled[TensorIndex.Colon, 1], sampled[TensorIndex.Colon, 0].Mul(2)), Is.True, "rows are whole input tokens");
            return [.. sampled[TensorIndex.Colon, 0].data<float>().ToArray().Select(v => (int)v)];
        }

        int[] first = Sample(3);
        Assert.That(first.Distinct().Count(), Is.EqualTo(1000), "no token sampled twice");
        // Uniform over 0..9999: the sample mean is 4999.5 with standard error ≈ 87 (finite population).
        Assert.That(first.Average(), Is.EqualTo(4999.5).Within(400));
        Assert.That(first.Count(i => i >= 5000), Is.InRange(430, 570));
        Assert.That(Sample(3), Is.EqualTo(first), "same seed, same sample");
        Assert.That(Sample(4), Is.Not.EqualTo(first), "another seed, another sample");
    }

    [Test]
    public void Fewer_tokens_than_capacity_are_all_kept_in_order()
    {
        using var scope = NewDisposeScope();
        var stats = new ActivationStatistics(reservoirCapacity: 50);
        var x = QuantTestData.HeavyTailed(30, 4, 1);
        stats.Observe("proj", x.narrow(0, 0, 10));
        stats.Observe("proj", x.narrow(0, 10, 20));
        Assert.That(QuantTestData.Same(stats["proj"].AllSampledTokens(), x), Is.True);
    }

    [Test]
    public void Saved_statistics_reload_and_continue_exactly_as_if_never_saved()
    {
        using var scope = NewDisposeScope();
        var original = new ActivationStatistics(reservoirCapacity: 40, seed: 9);
        var batches = Enumerable.Range(0, 6).Select(i => QuantTestData.HeavyTailed(25, 8, 50 + i)).ToList();
        foreach (var b in batches.Take(3))
        {
            original.Observe("transformer.layers.0.0.to_qkv", b);
            original.Observe("transformer.layers.0.1.net.1", b.Mul(3));
        }

        var saved = original.ToTensors();
        Assert.That(saved.Values.All(t => t.device_type == TorchSharp.DeviceType.CPU), Is.True);
        var reloaded = ActivationStatistics.FromTensors(saved);
        foreach (var b in batches.Skip(3))
        {
            original.Observe("transformer.layers.0.0.to_qkv", b);
            reloaded.Observe("transformer.layers.0.0.to_qkv", b);
        }

        Assert.That(reloaded.Layers, Is.EqualTo(original.Layers));
        var a = original.ToTensors();
        var b2 = reloaded.ToTensors();
        Assert.That(b2.Keys.Order(), Is.EqualTo(a.Keys.Order()));
        foreach (string key in a.Keys)
        {
            Assert.That(QuantTestData.Same(a[key], b2[key]), Is.True, key);
        }

        saved.Remove("transformer.layers.0.1.net.1.reservoir");
        var error = Assert.Throws<InvalidDataException>(() => ActivationStatistics.FromTensors(saved));
        Assert.That(error!.Message, Does.Contain("transformer.layers.0.1.net.1.reservoir"));
    }

    [Test]
    public void Activation_omse_runs_on_the_stored_calibration_tokens()
    {
        using var scope = NewDisposeScope();
        var stats = new ActivationStatistics(reservoirCapacity: 256, seed: 2);
        stats.Observe("fc2", QuantTestData.WithOutliers(600, 32, 4));
        var choice = OmseActivationRangeSearch.Search(stats["fc2"], new ActivationQuantConfig(4, ActivationGranularity.PerTensorStatic));
        Assert.That(choice.Range.Max, Is.LessThan(stats["fc2"].Max));
        Assert.That(choice.Mse, Is.LessThan(choice.UnclippedMse));
    }
}
