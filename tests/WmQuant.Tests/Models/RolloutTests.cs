using TorchSharp;
using WmQuant.Models;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

public class RolloutTests
{
    private static (Tensor Images, Tensor Proprio) Observations(DinoWorldModel model, int batch, int frames, ulong seed, int size = 64) =>
        (rand([batch, frames, 3, size, size], generator: new Generator(seed)),
         randn([batch, frames, model.Config.ProprioDim], generator: new Generator(seed + 1)));

    private static Tensor Actions(DinoWorldModel model, int batch, int horizon, ulong seed) =>
        randn([batch, horizon, model.Config.ActionInputDim], generator: new Generator(seed));

    [TestCase("reference-wall", 1, 5)]
    [TestCase("reference-pusht", 1, 5)]
    [TestCase("reference-pusht", 3, 6)]
    [TestCase("reference-pusht", 2, 2)]
    public void Rollout_follows_upstream_semantics(string config, int observed, int horizon)
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped(config), seed: 21);
        var (images, proprio) = Observations(model, 3, observed, 1);
        var actions = Actions(model, 3, horizon, 2);
        var start = model.EncodeObservations(images, proprio);

        var result = model.Rollout(start, actions);

        // Upstream VWorldModel.rollout written out with the public pieces.
        var numHist = model.Config.NumHist;
        var z = model.ComposeTokens(start.Visual, start.Proprio, model.EncodeActions(actions[.., ..observed]));
        for (var t = observed; t < horizon; t++)
        {
            var window = z[.., Math.Max(0, (int)z.shape[1] - numHist)..];
            var next = model.ReplaceActions(model.PredictNext(window)[.., ^1..], actions[.., t..(t + 1)]);
            z = cat([z, next], 1);
        }

        z = cat([z, model.PredictNext(z[.., Math.Max(0, (int)z.shape[1] - numHist)..])[.., ^1..]], 1);
        var (expected, _) = model.SplitTokens(z);

        Assert.That(result.Visual.shape, Is.EqualTo(new long[] { 3, horizon + 1, 16, 96 }));
        Assert.That(result.Proprio.shape, Is.EqualTo(new long[] { 3, horizon + 1, 10 }));
        Assert.That(ModelTestSupport.Identical(result.Visual[.., ..observed], start.Visual), Is.True, "observed frames are returned unchanged");
        Assert.That(result.Visual.allclose(expected.Visual, rtol: 0, atol: 1e-5), Is.True);
        Assert.That(result.Proprio.allclose(expected.Proprio, rtol: 0, atol: 1e-5), Is.True);

        var final = model.PredictFinal(start, actions);
        Assert.That(final.Visual.allclose(result.Visual[.., ^1..], rtol: 0, atol: 1e-5), Is.True);
        Assert.That(final.Proprio.allclose(result.Proprio[.., ^1..], rtol: 0, atol: 1e-5), Is.True);
    }

    [Test]
    public void Batch_entries_do_not_influence_each_other()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 22);
        var (images, proprio) = Observations(model, 2, 1, 3);
        var start = model.EncodeObservations(images, proprio).RepeatInterleave(4);
        var actions = Actions(model, 8, 5, 4);
        var all = model.Rollout(start, actions);
        for (var i = 0; i < 8; i += 3)
        {
            var one = model.Rollout(start.SliceFrames(0, 1) with { Visual = start.Visual[i..(i + 1)], Proprio = start.Proprio[i..(i + 1)] }, actions[i..(i + 1)]);
            Assert.That(one.Visual.allclose(all.Visual[i..(i + 1)], rtol: 0, atol: 1e-5), Is.True, $"entry {i}");
        }

        // Different action sequences from the same start must give different futures.
        Assert.That(all.Visual[0, ^1].allclose(all.Visual[1, ^1]), Is.False);
    }

    [Test]
    public void Rollout_refuses_fewer_actions_than_observed_frames()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"));
        var (images, proprio) = Observations(model, 1, 3, 5);
        var start = model.EncodeObservations(images, proprio);
        Assert.Throws<ArgumentException>(() => model.Rollout(start, Actions(model, 1, 2, 6)));
    }

    [Test]
    public void Bf16_rollout_stays_close_to_fp32()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-wall"), seed: 23);
        var (images, proprio) = Observations(model, 2, 1, 7);
        var actions = Actions(model, 2, 4, 8);
        var fp32 = model.Rollout(model.EncodeObservations(images, proprio), actions);
        model.MoveTo(CPU, ScalarType.BFloat16);
        Assert.That(model.Dtype, Is.EqualTo(ScalarType.BFloat16));
        var bf16 = model.Rollout(model.EncodeObservations(images, proprio), actions);
        Assert.That(bf16.Visual.dtype, Is.EqualTo(ScalarType.BFloat16));
        var error = (bf16.Visual.to_type(ScalarType.Float32) - fp32.Visual).abs().mean().item<float>();
        var scale = fp32.Visual.abs().mean().item<float>();
        Assert.That(error / scale, Is.LessThan(0.05f));
    }

    [Test]
    public void Images_of_another_size_are_resized_and_decoded_to_the_model_size()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-wall"), seed: 24);
        var (images, proprio) = Observations(model, 2, 2, 9, size: 96);
        var latent = model.EncodeObservations(images, proprio);
        Assert.That(latent.Visual.shape, Is.EqualTo(new long[] { 2, 2, 16, 96 }));
        var decoded = model.Decode(latent.Visual[.., 0]);
        Assert.That(decoded.shape, Is.EqualTo(new long[] { 2, 3, 64, 64 }));
        Assert.That(decoded.min().item<float>(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(decoded.max().item<float>(), Is.LessThanOrEqualTo(1f));
    }

    [Test]
    public void Input_observers_and_transforms_see_and_change_linear_inputs()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-wall"), seed: 25);
        var (images, proprio) = Observations(model, 1, 1, 10);
        var start = model.EncodeObservations(images, proprio);
        var actions = Actions(model, 1, 3, 11);

        // An observer switches rollouts to the full pass (calibration sees every token), so compare on that pass.
        model.Predictor.IncrementalInference = false;
        var baseline = model.Rollout(start, actions);
        var seen = new Dictionary<string, long>();
        var (name, layer) = model.NamedLinears().First(l => l.Name == "predictor.transformer.layers.0.1.net.1");
        layer.InputObserver = (n, x) => seen[n] = x.shape[^1];
        var observed = model.Rollout(start, actions);
        Assert.That(seen, Is.EqualTo(new Dictionary<string, long> { [name] = 116 }));
        Assert.That(ModelTestSupport.Identical(observed.Visual, baseline.Visual), Is.True, "observing changes nothing");
        layer.InputTransform = x => x.round();
        var transformed = model.Rollout(start, actions);
        Assert.That(transformed.Visual[.., 1..].allclose(baseline.Visual[.., 1..]), Is.False);
        layer.InputTransform = null;
        layer.SetWeight(zeros_like(layer.Weight));
        Assert.That(model.Rollout(start, actions).Visual[.., 1..].allclose(baseline.Visual[.., 1..]), Is.False);
    }

    [Test]
    public void Teacher_forced_training_reaches_the_predictor_but_not_the_frozen_encoder()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 26);
        model.train();
        var (images, proprio) = Observations(model, 2, 4, 12);
        var latent = model.EncodeObservations(images, proprio);
        var z = model.ComposeTokens(latent.Visual, latent.Proprio, model.EncodeActions(Actions(model, 2, 4, 13)));
        var predicted = model.PredictNext(z[.., ..3]);
        var target = z[.., 1..];
        var loss = (predicted[.., .., .., ..106] - target[.., .., .., ..106]).Pow(2).mean();
        loss.backward();
        Assert.That(model.Predictor.PosEmbedding.grad, Is.Not.Null);
        Assert.That(model.ProprioEncoder.PatchEmbed.weight!.grad, Is.Not.Null);
        Assert.That(model.Encoder.PosEmbed.requires_grad, Is.False);
        Assert.That(model.Encoder.PosEmbed.grad, Is.Null);
    }
}
