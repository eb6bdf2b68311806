using TorchSharp;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Models.Predictor;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

/// <summary>
/// The incremental predictor path (cached keys and values while the window grows, unmasked per-frame attention, last
/// layer on the last frame only) must give the full masked pass's rollouts up to rounding, and must step aside
/// whenever its shortcut would change what the caller sees.
/// </summary>
public class IncrementalRolloutTests
{
    private static (LatentObservation Start, Tensor Actions) Problem(DinoWorldModel model, int batch, int observed, int horizon, ulong seed)
    {
        var images = rand([batch, observed, 3, model.Config.ImageSize, model.Config.ImageSize], generator: new Generator(seed));
        var proprio = randn([batch, observed, model.Config.ProprioDim], generator: new Generator(seed + 1));
        var actions = randn([batch, horizon, model.Config.ActionInputDim], generator: new Generator(seed + 2));
        return (model.EncodeObservations(images, proprio), actions);
    }

    private static double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [TestCase("reference-pusht", 1, 5, AttentionKernel.Fused)]
    [TestCase("reference-pusht", 2, 5, AttentionKernel.Fused)]
    [TestCase("reference-pusht", 3, 6, AttentionKernel.Fused)]
    [TestCase("reference-pusht", 1, 1, AttentionKernel.Fused)]
    [TestCase("reference-pusht", 1, 5, AttentionKernel.Explicit)]
    [TestCase("reference-wall", 1, 5, AttentionKernel.Fused)]
    public void Incremental_rollouts_match_the_full_masked_pass(string config, int observed, int horizon, AttentionKernel kernel)
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped(config), seed: 31);
        model.eval();
        model.AttentionKernel = kernel;
        var (start, actions) = Problem(model, 4, observed, horizon, 40);

        model.Predictor.IncrementalInference = false;
        var fullRollout = model.Rollout(start, actions);
        var fullFinal = model.PredictFinal(start, actions);
        model.Predictor.IncrementalInference = true;
        Assert.That(model.Predictor.SupportsIncrementalInference, Is.True);
        var rollout = model.Rollout(start, actions);
        var final = model.PredictFinal(start, actions);

        TestContext.Out.WriteLine($"max |incremental - full| visual {MaxDifference(rollout.Visual, fullRollout.Visual):E2}, final {MaxDifference(final.Visual, fullFinal.Visual):E2}");
        Assert.That(rollout.Visual.shape, Is.EqualTo(fullRollout.Visual.shape));
        Assert.That(MaxDifference(rollout.Visual, fullRollout.Visual), Is.LessThan(1e-5));
        Assert.That(MaxDifference(rollout.Proprio, fullRollout.Proprio), Is.LessThan(1e-5));
        Assert.That(MaxDifference(final.Visual, fullFinal.Visual), Is.LessThan(1e-5));
        Assert.That(MaxDifference(final.Proprio, fullFinal.Proprio), Is.LessThan(1e-5));
        Assert.That(MaxDifference(final.Visual, rollout.Visual[.., ^1..]), Is.LessThan(1e-5));
    }

    [Test]
    public void Incremental_rollouts_are_not_the_unmasked_predictor()
    {
        // Guards the equivalence test above: a cache that let a frame see later frames would match this instead.
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 32);
        model.eval();
        var (start, actions) = Problem(model, 2, 1, 5, 50);
        var incremental = model.PredictFinal(start, actions);
        model.Predictor.UseFrameCausalMask = false;
        Assert.That(model.Predictor.SupportsIncrementalInference, Is.False);
        var unmasked = model.PredictFinal(start, actions);
        Assert.That(MaxDifference(incremental.Visual, unmasked.Visual), Is.GreaterThan(1e-4), "ten times the equivalence tolerance");
    }

    [Test]
    public void Cached_frames_are_not_recomputed_while_the_window_grows()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 33);
        model.eval();
        var (start, actions) = Problem(model, 3, 1, 5, 60);
        var qkv = model.Predictor.Transformer.Layers[0].Attention.ToQkv;
        var tokensSeen = new List<long>();
        qkv.InputTransform = x =>
        {
            tokensSeen.Add(x.shape[1]);
            return x;
        };

        model.PredictFinal(start, actions);

        // Horizon 5 from one observed frame with num_hist 3: windows of 1, 2, 3, 3, 3 frames. The first three calls
        // feed only their new frame (16 tokens); the sliding windows are fed whole (48).
        Assert.That(tokensSeen, Is.EqualTo(new long[] { 16, 16, 16, 48, 48 }));
        model.Predictor.IncrementalInference = false;
        tokensSeen.Clear();
        model.PredictFinal(start, actions);
        Assert.That(tokensSeen, Is.EqualTo(new long[] { 16, 32, 48, 48, 48 }));
    }

    [Test]
    public void Observers_training_mode_and_the_switch_keep_the_full_pass()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 34);
        model.eval();
        var predictor = model.Predictor;
        Assert.That(predictor.SupportsIncrementalInference, Is.True);

        var (_, linear) = model.NamedLinears().First(l => l.Name == "predictor.transformer.layers.2.1.net.4");
        linear.InputObserver = (_, _) => { };
        Assert.That(predictor.SupportsIncrementalInference, Is.False, "calibration must see every token of the full pass");
        linear.InputObserver = null;

        model.train();
        Assert.That(predictor.SupportsIncrementalInference, Is.False, "dropout and gradients of every frame need the full pass");
        model.eval();

        predictor.IncrementalInference = false;
        Assert.That(predictor.SupportsIncrementalInference, Is.False);
    }

    [Test]
    public void The_cache_refuses_windows_beyond_the_positional_embedding()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 35);
        model.eval();
        using var cache = new PredictorKeyValueCache(model.Config.Predictor.Depth);
        var tokens = randn(2, 16, model.Config.TokenDim);
        for (var i = 0; i < model.Config.NumHist; i++)
        {
            Assert.That(model.Predictor.ForwardLastFrame(tokens, cache, extendCache: true).shape, Is.EqualTo(new long[] { 2, 16, model.Config.TokenDim }));
        }

        Assert.That(cache.Frames, Is.EqualTo(model.Config.NumHist));
        Assert.Throws<ArgumentException>(() => model.Predictor.ForwardLastFrame(tokens, cache, extendCache: false));
        Assert.Throws<ArgumentException>(() => model.Predictor.ForwardLastFrame(randn(2, 20, model.Config.TokenDim), new PredictorKeyValueCache(1), extendCache: false));
    }
}
