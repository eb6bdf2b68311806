using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class WeightMethodTests
{
    private static IEnumerable<WeightQuantConfig> Configs()
    {
        foreach (int bits in new[] { 3, 4, 8 })
        {
            yield return new WeightQuantConfig(bits, WeightGranularity.PerTensor);
            yield return new WeightQuantConfig(bits, WeightGranularity.PerChannel);
            yield return new WeightQuantConfig(bits, WeightGranularity.PerGroup, 128);
            yield return new WeightQuantConfig(bits, WeightGranularity.PerGroup, 64, symmetric: false);
        }
    }

    [TestCaseSource(nameof(Configs))]
    public void Omse_is_never_worse_than_rtn_on_heavy_tailed_weights(WeightQuantConfig config)
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(96, 404, 21);
        using var rtn = new RtnWeightMethod().Apply("fc1", w, config);
        using var omse = new OmseWeightMethod().Apply("fc1", w, config);
        TestContext.Out.WriteLine($"{config}: RTN mse {rtn.Report.WeightMse:E3}, OMSE mse {omse.Report.WeightMse:E3}, mean ratio {omse.Report.MeanClipRatio:F3}");
        Assert.That(omse.Report.WeightMse, Is.LessThanOrEqualTo(rtn.Report.WeightMse));
        // Per scale group, too: the search is independent per group and the grid contains 1.
        var perRowRtn = (rtn.FakeQuantWeight - w).Pow(2).sum(1);
        var perRowOmse = (omse.FakeQuantWeight - w).Pow(2).sum(1);
        if (config.Granularity == WeightGranularity.PerChannel)
        {
            Assert.That(perRowOmse.le(perRowRtn).all().item<bool>(), Is.True);
        }
    }

    [TestCase(WeightGranularity.PerTensor)]
    [TestCase(WeightGranularity.PerChannel)]
    [TestCase(WeightGranularity.PerGroup)]
    public void Omse_is_strictly_better_than_rtn_when_weights_have_outliers(WeightGranularity granularity)
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.WithOutliers(128, 512, 5);
        var config = new WeightQuantConfig(4, granularity);
        using var rtn = new RtnWeightMethod().Apply("qkv", w, config);
        using var omse = new OmseWeightMethod().Apply("qkv", w, config);
        TestContext.Out.WriteLine($"{config}: RTN mse {rtn.Report.WeightMse:E3}, OMSE mse {omse.Report.WeightMse:E3} ({rtn.Report.WeightMse / omse.Report.WeightMse:F2}x lower), mean ratio {omse.Report.MeanClipRatio:F3}");
        Assert.That(omse.Report.WeightMse, Is.LessThan(rtn.Report.WeightMse * 0.95));
        Assert.That(omse.Report.MeanClipRatio, Is.LessThan(1));
        Assert.That(omse.Report.ClipGrid, Is.EqualTo("1 - 0.01*i, i < 90"));
    }

    [Test]
    public void Omse_result_packs_to_the_same_weight_it_evaluates()
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.WithOutliers(16, 200, 8);
        var config = new WeightQuantConfig(3, WeightGranularity.PerGroup, 64);
        using var omse = new OmseWeightMethod().Apply("fc2", w, config);
        using var packed = WmQuant.Quantization.Packing.WeightPacker.Pack(omse.Quantized!);
        using var back = WmQuant.Quantization.Packing.WeightPacker.Unpack(packed);
        Assert.That(QuantTestData.Same(WeightQuantizer.Dequantize(back), omse.FakeQuantWeight), Is.True);
    }

    [Test]
    public void Report_output_mse_matches_a_float64_reference_and_scale_statistics_match_the_scales()
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(40, 70, 2);
        var x = QuantTestData.HeavyTailed(3 * 50, 70, 3).reshape(3, 50, 70).Mul(10);
        var config = new WeightQuantConfig(4, WeightGranularity.PerChannel);
        using var result = new RtnWeightMethod().Apply("proj", w, config, x);

        var x64 = x.reshape(-1, 70).to_type(ScalarType.Float64);
        var reference = (x64.matmul(w.to_type(ScalarType.Float64).t()) - x64.matmul(result.FakeQuantWeight.to_type(ScalarType.Float64).t())).Pow(2).sum().item<double>() / 150;
        Assert.That(result.Report.OutputMse, Is.EqualTo(reference).Within(1e-4).Percent);
        Assert.That(result.Report.OutputMse, Is.GreaterThan(0));
        Assert.That(result.Report.WeightMse, Is.EqualTo((w - result.FakeQuantWeight).Pow(2).mean().item<float>()).Within(1e-3).Percent);
        var scales = result.Quantized!.Scales;
        Assert.That(result.Report.ScaleMin, Is.EqualTo(scales.min().item<float>()));
        Assert.That(result.Report.ScaleMax, Is.EqualTo(scales.max().item<float>()));
        Assert.That(result.Report.ScaleMean, Is.EqualTo(scales.mean().item<float>()).Within(1e-4).Percent);
        Assert.That(result.Report, Has.Property(nameof(LayerQuantReport.Bits)).EqualTo(4).And.Property(nameof(LayerQuantReport.Method)).EqualTo("rtn"));
    }

    [Test]
    public void Bypass_returns_the_weight_unchanged_with_no_codes()
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(8, 24, 4);
        var config = new WeightQuantConfig(16, WeightGranularity.PerGroup);
        foreach (IWeightQuantMethod method in new IWeightQuantMethod[] { new RtnWeightMethod(), new OmseWeightMethod() })
        {
            using var result = method.Apply("x", w, config, w);
            Assert.That(QuantTestData.Same(result.FakeQuantWeight, w), Is.True, method.Name);
            Assert.That(result.Quantized, Is.Null);
            Assert.That(result.Report.WeightMse, Is.Zero);
            Assert.That(result.Report.OutputMse, Is.Zero);
        }
    }

    [Test]
    public void Shrink_grid_lists_its_ratios_and_rejects_ratios_outside_zero_to_one()
    {
        var ratios = ShrinkGrid.Default.Ratios();
        Assert.That(ratios, Has.Length.EqualTo(90));
        Assert.That(ratios[0], Is.EqualTo(1f));
        Assert.That(ratios[^1], Is.EqualTo(0.11f).Within(1e-6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShrinkGrid(1.0, 0.02, 60).Ratios());
    }
}
