using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class ActivationQuantizerTests
{
    [TestCase(8, false)]
    [TestCase(4, false)]
    [TestCase(4, true)]
    [TestCase(3, false)]
    public void Per_token_equals_per_tensor_on_a_single_token(int bits, bool symmetric)
    {
        using var scope = NewDisposeScope();
        var token = QuantTestData.HeavyTailed(1, 404, bits).Add(0.01f);
        var dynamicConfig = new ActivationQuantConfig(bits, ActivationGranularity.PerTokenDynamic, symmetric);
        var staticConfig = dynamicConfig with { Granularity = ActivationGranularity.PerTensorStatic };
        var perToken = ActivationQuantizer.FakeQuantizePerToken(token, dynamicConfig);
        var range = new ActivationRange(token.min().item<float>(), token.max().item<float>());
        var perTensor = new ActivationFakeQuantizer(staticConfig, range).AsTransform()(token);
        Assert.That(QuantTestData.Same(perToken, perTensor), Is.True);
        Assert.That(QuantTestData.Same(perToken, token), Is.False, "quantization changed something");
    }

    [Test]
    public void Per_token_ranges_are_independent_and_error_is_within_half_a_step()
    {
        using var scope = NewDisposeScope();
        var x = QuantTestData.HeavyTailed(2 * 30, 64, 9).reshape(2, 30, 64);
        x[0, 3] = x[0, 3].Mul(1000); // an outlier token must not coarsen the others
        var config = new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic);
        var fake = new ActivationFakeQuantizer(config).Apply(x);
        var lo = x.amin([-1], keepdim: true).ClampMax(0);
        var hi = x.amax([-1], keepdim: true).ClampMin(0);
        var step = (hi - lo).Div(255);
        Assert.That((fake - x).abs().le(step.Div(2).Mul(1 + 1e-5).Add(1e-9)).all().item<bool>(), Is.True);
        Assert.That(QuantTestData.Same(fake[1], ActivationQuantizer.FakeQuantizePerToken(x[1], config)), Is.True);
    }

    [Test]
    public void Static_ranges_clip_values_outside_and_keep_the_input_dtype()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { -3f, -1f, 0f, 0.5f, 1f, 5f }).to_type(ScalarType.BFloat16);
        var quantizer = new ActivationFakeQuantizer(new ActivationQuantConfig(8, ActivationGranularity.PerTensorStatic), new ActivationRange(-1, 1));
        var fake = quantizer.Apply(x).to_type(ScalarType.Float32).data<float>().ToArray();
        Assert.That(quantizer.Apply(x).dtype, Is.EqualTo(ScalarType.BFloat16));
        // s = 2/255; the grid's ends lie within one step of the range's ends, and values beyond them are clipped.
        Assert.That(fake[0], Is.EqualTo(-1f).Within(2f / 255));
        Assert.That(fake[5], Is.EqualTo(1f).Within(2f / 255));
        Assert.That(fake[1], Is.EqualTo(fake[0]).Or.EqualTo(-1f).Within(1f / 255));
        Assert.That(fake[2], Is.Zero);
        Assert.Throws<ArgumentException>(() => _ = new ActivationFakeQuantizer(new ActivationQuantConfig(8, ActivationGranularity.PerTensorStatic)));
    }

    [Test]
    public void All_zero_activations_stay_zero_without_nan()
    {
        using var scope = NewDisposeScope();
        var x = zeros(4, 16);
        var dynamicFake = ActivationQuantizer.FakeQuantizePerToken(x, new ActivationQuantConfig(4, ActivationGranularity.PerTokenDynamic));
        var staticFake = ActivationQuantizer.FakeQuantizePerTensor(x, new ActivationRange(0, 0), new ActivationQuantConfig(4, ActivationGranularity.PerTensorStatic));
        Assert.That(dynamicFake.abs().max().item<float>(), Is.Zero);
        Assert.That(staticFake.abs().max().item<float>(), Is.Zero);
    }

    [Test]
    public void Omse_range_search_shrinks_an_outlier_stretched_range_and_lowers_the_error()
    {
        using var scope = NewDisposeScope();
        var tokens = QuantTestData.WithOutliers(512, 64, 13);
        var range = new ActivationRange(tokens.min().item<float>(), tokens.max().item<float>());
        var config = new ActivationQuantConfig(4, ActivationGranularity.PerTensorStatic);
        var choice = OmseActivationRangeSearch.Search(tokens, range, config);
        TestContext.Out.WriteLine($"A4 per-tensor: ratio {choice.Ratio:F2}, mse {choice.Mse:E3} vs unclipped {choice.UnclippedMse:E3}");
        Assert.That(choice.Ratio, Is.LessThan(1));
        Assert.That(choice.Mse, Is.LessThan(choice.UnclippedMse));
        double check = (ActivationQuantizer.FakeQuantizePerTensor(tokens, choice.Range, config) - tokens).to_type(ScalarType.Float64).Pow(2).mean().item<double>();
        Assert.That(check, Is.EqualTo(choice.Mse));
        Assert.Throws<ArgumentException>(() => OmseActivationRangeSearch.Search(tokens, range, config with { Granularity = ActivationGranularity.PerTokenDynamic }));
    }
}
