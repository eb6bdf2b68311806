using WmQuant.Models;
using WmQuant.Models.Predictor;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

public class FrameCausalMaskTests
{
    [Test]
    public void Mask_is_block_lower_triangular_over_frames()
    {
        using var mask = FrameCausalMask.Build(3, 2);
        var expected = new bool[,]
        {
            { true, true, false, false, false, false },
            { true, true, false, false, false, false },
            { true, true, true, true, false, false },
            { true, true, true, true, false, false },
            { true, true, true, true, true, true },
            { true, true, true, true, true, true },
        };
        for (var i = 0; i < 6; i++)
        {
            for (var j = 0; j < 6; j++)
            {
                Assert.That(mask[i, j].item<bool>(), Is.EqualTo(expected[i, j]), $"({i},{j})");
            }
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Changing_a_later_frame_never_changes_earlier_outputs(bool explicitKernel)
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 11);
        if (explicitKernel)
        {
            model.AttentionKernel = WmQuant.Models.Layers.AttentionKernel.Explicit;
        }

        var g = new TorchSharp.torch.Generator(5);
        var z = randn([4, 3, 16, model.Config.TokenDim], generator: g);
        var before = model.PredictNext(z);
        for (var t = 0; t < 2; t++)
        {
            var changed = z.clone();
            changed[.., (t + 1)..] = randn([4, 2 - t, 16, model.Config.TokenDim], generator: g);
            var after = model.PredictNext(changed);
            Assert.That(ModelTestSupport.Identical(after[.., ..(t + 1)], before[.., ..(t + 1)]), Is.True, $"frames <= {t} changed");
            Assert.That(after[.., (t + 1)..].allclose(before[.., (t + 1)..]), Is.False, $"frames > {t} did not change");
        }
    }

    [Test]
    public void Without_the_mask_a_later_frame_changes_earlier_outputs()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 11);
        model.Predictor.UseFrameCausalMask = false;
        var g = new TorchSharp.torch.Generator(5);
        var z = randn([2, 3, 16, model.Config.TokenDim], generator: g);
        var changed = z.clone();
        changed[.., 2..] = randn([2, 1, 16, model.Config.TokenDim], generator: g);
        var before = model.PredictNext(z);
        var after = model.PredictNext(changed);
        var drift = (after[.., ..2] - before[.., ..2]).abs().max().item<float>();
        Assert.That(drift, Is.GreaterThan(1e-3f));
    }
}
