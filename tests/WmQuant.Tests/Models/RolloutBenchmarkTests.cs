using WmQuant.Models;
using WmQuant.Models.Benchmarks;

namespace WmQuant.Tests.Models;

public class RolloutBenchmarkTests
{
    [Test]
    public void Flop_count_agrees_with_the_predictor_weights_actually_built()
    {
        var config = ModelTestSupport.Shipped("dinov2-vits14");
        using var model = DinoWorldModel.CreateForLoading(config);
        var linearWeights = model.NamedLinears()
            .Where(l => ModuleGroups.Of(l.Name) == ModuleGroup.Predictor)
            .Sum(l => (double)l.Layer.Weight.numel());
        Assert.That(linearWeights, Is.EqualTo(19_857_408), "the 19.9M Linear weights of DESIGN §4");
        foreach (var frames in new[] { 1, 3 })
        {
            double tokens = frames * 196;
            var attention = 4 * tokens * tokens * 1024 * 6;
            Assert.That(RolloutFlops.PredictorCall(config, frames), Is.EqualTo((2 * tokens * linearWeights) + attention).Within(1e-9).Percent);
        }

        // Batch 1 × horizon 5 from one frame: windows of 1, 2, 3, 3, 3 frames.
        var expected = new[] { 1, 2, 3, 3, 3 }.Sum(f => RolloutFlops.PredictorCall(config, f));
        Assert.That(RolloutFlops.Rollout(config, 1, 5), Is.EqualTo(expected));
    }

    [Test]
    public void Benchmark_runs_a_small_batch_on_the_cpu()
    {
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-wall"), seed: 1);
        var result = RolloutBenchmark.Run(model, new RolloutBenchmarkSettings(Batch: 4, Horizon: 3, Repeat: 2, Warmup: 1));
        Assert.That(result.MillisecondsPerRollout, Is.GreaterThan(0));
        Assert.That(result.MinMilliseconds, Is.LessThanOrEqualTo(result.MaxMilliseconds));
        Assert.That(result.FlopsPerCall, Is.EqualTo(4 * RolloutFlops.Rollout(model.Config, 1, 3)));
        Assert.That(result.EffectiveTflops, Is.GreaterThan(0));
        Assert.Throws<ArgumentException>(() => RolloutBenchmark.Run(model, new RolloutBenchmarkSettings(Batch: 4, Horizon: 1, Observed: 2)));
    }

    [Test]
    public void Agreement_is_exact_for_a_copy_and_small_but_nonzero_for_bf16()
    {
        using var reference = new DinoWorldModel(ModelTestSupport.Shipped("reference-wall"), seed: 2);
        using var copy = new DinoWorldModel(ModelTestSupport.Shipped("reference-wall"), seed: 2);
        var same = RolloutAgreement.Compare(reference, copy, batch: 2, horizon: 3);
        Assert.That(same.MaxAbsoluteError, Is.Zero);
        copy.MoveTo(TorchSharp.torch.CPU, TorchSharp.torch.ScalarType.BFloat16);
        var bf16 = RolloutAgreement.Compare(reference, copy, batch: 2, horizon: 3);
        Assert.That(bf16.MaxAbsoluteError, Is.GreaterThan(0));
        Assert.That(bf16.RelativeError, Is.LessThan(0.05));
    }
}
