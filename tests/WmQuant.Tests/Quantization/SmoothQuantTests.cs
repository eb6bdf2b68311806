using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Methods.SmoothQuant;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class SmoothQuantTests
{
    private static readonly ActivationQuantConfig A8Static = new(8, ActivationGranularity.PerTensorStatic);

    public static IEnumerable<TestCaseData> WeightActivationConfigs()
    {
        // The study's W·A settings: symmetric per-channel weights, asymmetric static per-tensor inputs.
        yield return new TestCaseData(8, 0.25).SetArgDisplayNames("W8A8 per-tensor");
        yield return new TestCaseData(6, 0.25).SetArgDisplayNames("W6A6 per-tensor");
    }

    [TestCaseSource(nameof(WeightActivationConfigs))]
    public void Smoothquant_beats_rtn_static_per_tensor_output_error_of_a_norm_linear_pair_with_outlier_channels_on_held_out_tokens(
        int bits, double margin)
    {
        var weights = new WeightQuantConfig(bits, WeightGranularity.PerChannel);
        var inputs = new ActivationQuantConfig(bits, ActivationGranularity.PerTensorStatic);
        var settings = new LayerQuantSettings("synthetic.fc", null, SyntheticNormLinear.Inputs, SyntheticNormLinear.Outputs, weights, inputs);
        double rtn = HeldOutError(settings, smooth: false);
        double smoothed = HeldOutError(settings, smooth: true);
        TestContext.Out.WriteLine($"W{bits}A{bits} static per-tensor, held-out rel err: RTN {rtn:E3}, SmoothQuant {smoothed:E3} (x{smoothed / rtn:F3})");
        Assert.That(smoothed, Is.LessThan(rtn * margin), "held out: at least 4x lower than RTN");
    }

    [Test]
    public void Static_ranges_of_transformed_inputs_are_the_exact_min_max_of_every_folded_calibration_value()
    {
        using var scope = NewDisposeScope();
        using var layer = SyntheticNormLinear.Create(seed: 12);
        using var calibration = Calibrate(layer, layer.FitRaw);
        var statistics = calibration.TryGet("synthetic.fc")!;
        var unsmoothed = ChannelTransform.InputRange(statistics, null);
        Assert.That(unsmoothed, Is.EqualTo(new ActivationRange(statistics.Min, statistics.Max)));
        using var identity = new ChannelTransform(ones(SyntheticNormLinear.Inputs));
        Assert.That(ChannelTransform.InputRange(statistics, identity), Is.EqualTo(unsmoothed), "s = 1 gives the recorded range exactly");

        // Every observed token (not only the reservoir's sample) taken to the folded basis: the range is its min/max.
        var scales = SmoothedLayers.MigrationScales(statistics.MaxAbs(), [layer.Linear.Weight.detach()], 0.5);
        var shifts = randn(SyntheticNormLinear.Inputs, generator: new Generator(13)).Mul(0.3);
        foreach (var shifted in new[] { false, true })
        {
            using var transform = new ChannelTransform(scales.clone(), shifted ? shifts.clone() : null);
            var folded = transform.Apply(layer.LinearInputs(layer.FitRaw));
            var range = ChannelTransform.InputRange(statistics, transform);
            double min = folded.min().item<float>();
            double max = folded.max().item<float>();
            TestContext.Out.WriteLine($"shift {shifted}: folded values [{min:F5}, {max:F5}], range [{range.Min:F5}, {range.Max:F5}]");
            Assert.That(range.Min, Is.EqualTo(min).Within(1e-5).Percent);
            Assert.That(range.Max, Is.EqualTo(max).Within(1e-5).Percent);
        }
    }

    [Test]
    public void Smoothing_with_quantization_disabled_keeps_block_encoder_and_rollout_outputs()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 41, roughen: 42);
        using var calibration = QuantModelTestSupport.Calibrate(model);
        var inputs = QuantModelTestSupport.Inputs(model.Config);
        var (visual, proprio, rollout) = QuantModelTestSupport.Outputs(model, inputs);
        var blockInput = randn([2, 5, model.Config.Encoder.Dim], generator: new Generator(43));
        var blockOutput = EncoderBlock(model, blockInput);
        var before = WeightOnlyTestSupport.Parameters(model);
        var scope = ModelQuantizationPlan.Study(new WeightQuantConfig(8, WeightGranularity.PerChannel), A8Static).Resolve(model);

        var method = new SmoothQuantMethod(new SmoothQuantOptions { SmoothProj = true });
        var smoothed = method.Smooth(model, scope, calibration, fixedAlpha: 0.5);
        foreach (var transform in smoothed.Values.Select(s => s.Transform).Distinct())
        {
            transform?.Dispose();
        }

        Assert.That(smoothed, Has.Count.EqualTo((3 * model.Config.Encoder.Depth) + (3 * model.Config.Predictor.Depth)));
        var after = QuantModelTestSupport.Outputs(model, inputs);
        double block = WeightOnlyTestSupport.MaxRelativeDifference(blockOutput, EncoderBlock(model, blockInput));
        double encoder = WeightOnlyTestSupport.MaxRelativeDifference(visual, after.Visual);
        double predicted = WeightOnlyTestSupport.MaxRelativeDifference(rollout, after.Rollout);
        TestContext.Out.WriteLine($"max relative change: block {block:E2}, encoder {encoder:E2}, rollout {predicted:E2}");
        Assert.That(block, Is.LessThan(1e-5));
        Assert.That(encoder, Is.LessThan(1e-5));
        Assert.That(predicted, Is.LessThan(1e-5));
        Assert.That(QuantModelTestSupport.Identical(proprio, after.Proprio), Is.True);
        foreach (string name in new[]
        {
            "encoder.blocks.0.norm1.weight", "encoder.blocks.0.norm2.bias", "encoder.blocks.1.attn.qkv.weight",
            "encoder.blocks.0.attn.proj.weight", "encoder.blocks.0.mlp.fc1.weight", "predictor.transformer.layers.0.0.norm.weight",
            "predictor.transformer.layers.1.1.net.0.bias", "predictor.transformer.layers.0.0.to_qkv.weight",
            "predictor.transformer.layers.0.0.to_out.0.weight",
        })
        {
            var now = model.named_parameters().Single(p => p.name == name).parameter;
            Assert.That(WeightOnlyTestSupport.MaxRelativeDifference(before[name], now), Is.GreaterThan(1e-3), name);
        }

        // Neither the GELU-fed Linears nor the LayerScale gains move.
        foreach (string name in new[] { "encoder.blocks.0.mlp.fc2.weight", "encoder.blocks.0.ls1.gamma", "predictor.transformer.layers.0.1.net.4.weight" })
        {
            var now = model.named_parameters().Single(p => p.name == name).parameter;
            Assert.That(QuantModelTestSupport.Identical(now, before[name]), Is.True, name);
        }
    }

    [Test]
    public void Smoothquant_model_result_packs_and_reloads_to_bit_identical_outputs_with_reports_filled()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 44, roughen: 45);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(reservoir: 256));
        var inputs = WeightOnlyTestSupport.WallInputs(model.Config);
        var lines = new List<string>();
        var plan = ModelQuantizationPlan.Study(new WeightQuantConfig(8, WeightGranularity.PerChannel), A8Static);
        using var result = new SmoothQuantMethod(new SmoothQuantOptions { AlphaSearch = true, AlphaGrid = 4 }, lines.Add)
            .Apply(model, calibration, plan).Unwrap();
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, lines));

        Assert.That(result.Method, Is.EqualTo("smoothquant"));
        Assert.That(result.Reports.Select(r => r.Layer), Is.EqualTo(model.NamedQuantizableLayers().Select(l => l.Name)));
        Assert.That(lines, Has.Count.EqualTo(2 * (model.Config.Encoder.Depth + model.Config.Predictor.Depth)), "one line per group");
        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer);
        foreach (var record in result.Quantized)
        {
            var weight = layers[record.Name].WeightMatrix.detach();
            Assert.That(QuantModelTestSupport.Identical(weight, WeightQuantizer.Dequantize(record.Codes!)), Is.True, record.Name);
            Assert.That(record.Report.Weights!.Method, Is.EqualTo("smoothquant"));
            Assert.That(record.Report.Activations!.Parameters, Is.Not.Null, record.Name);
            Assert.That(record.Report.OutputMse, Is.GreaterThan(0));
            Assert.That(record.Report.CalibrationTokens, Is.EqualTo(calibration.TryGet(record.Name)!.TokensSeen));
            Assert.That(record.InputQuantizer!.StaticParameters, Is.EqualTo(record.Report.Activations.Parameters));
        }

        var qkv = result.Quantized.Single(r => r.Name == "encoder.blocks.0.attn.qkv").Report;
        var fc2 = result.Quantized.Single(r => r.Name == "encoder.blocks.0.mlp.fc2").Report;
        Assert.That(qkv.Weights!.ClipGrid, Does.StartWith("smoothquant alpha"));
        Assert.That(fc2.Weights!.ClipGrid, Is.EqualTo("smoothquant unsmoothed"));
        Assert.That(fc2.Activations!.Method, Is.EqualTo("minmax"));

        var quantized = QuantModelTestSupport.Outputs(model, inputs);
        string path = Path.Combine(folder, "model.safetensors");
        QuantModelTestSupport.AssertReloadsBitIdentically(path, model, result, "smoothquant", inputs, quantized);
    }

    [Test]
    public void Unsmoothed_layers_are_quantized_exactly_as_rtn_quantizes_them()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 46, roughen: 47);
        using var rtnModel = WeightOnlyTestSupport.RoughTiny(seed: 46, roughen: 47);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 1));
        var plan = ModelQuantizationPlan.Study(
            new WeightQuantConfig(6, WeightGranularity.PerChannel), new ActivationQuantConfig(6, ActivationGranularity.PerTensorStatic));
        var options = new SmoothQuantOptions { SmoothQkv = false, SmoothFc1 = false };
        using var result = new SmoothQuantMethod(options).Apply(model, calibration, plan).Unwrap();
        using var rtn = QuantModelTestSupport.Method("rtn").Apply(rtnModel, calibration, plan).Unwrap();
        foreach (var (ours, theirs) in result.Layers.Zip(rtn.Layers))
        {
            Assert.That(ours.Report.OutputMse, Is.EqualTo(theirs.Report.OutputMse), ours.Name);
            Assert.That(ours.InputQuantizer?.StaticParameters, Is.EqualTo(theirs.InputQuantizer?.StaticParameters), ours.Name);
        }

        var inputs = QuantModelTestSupport.Inputs(model.Config);
        var a = QuantModelTestSupport.Outputs(model, inputs);
        var b = QuantModelTestSupport.Outputs(rtnModel, inputs);
        Assert.That(QuantModelTestSupport.Identical(a.Rollout, b.Rollout), Is.True);
    }

    [Test]
    public void Smoothquant_refuses_missing_calibration_and_bad_options_without_touching_the_model()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 48, roughen: 49);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 1));
        var before = WeightOnlyTestSupport.Parameters(model);
        var plan = ModelQuantizationPlan.Study(new WeightQuantConfig(8, WeightGranularity.PerChannel), A8Static);

        var missing = new SmoothQuantMethod(new SmoothQuantOptions()).Apply(model, null, plan);
        Assert.That(missing.Error!.Code, Is.EqualTo(QuantizationError.CalibrationRequired));
        var perToken = ModelQuantizationPlan.Study(
            new WeightQuantConfig(8, WeightGranularity.PerChannel), new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic));
        var perTokenOutcome = new SmoothQuantMethod(new SmoothQuantOptions()).Apply(model, null, perToken);
        Assert.That(perTokenOutcome.Error!.Code, Is.EqualTo(QuantizationError.CalibrationRequired), "the scales need activation maxima");
        foreach (var options in new[]
        {
            new SmoothQuantOptions { Alpha = -0.1 }, new SmoothQuantOptions { Alpha = 1.5 }, new SmoothQuantOptions { Alpha = double.NaN },
            new SmoothQuantOptions { AlphaGrid = 0 }, new SmoothQuantOptions { AlphaGrid = 1001 },
        })
        {
            var outcome = new SmoothQuantMethod(options).Apply(model, calibration, plan);
            Assert.That(outcome.Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest), options.ToString());
        }

        using var partial = new CalibrationSet(new ActivationStatistics());
        partial.Statistics.Observe("encoder.blocks.0.attn.qkv", ones(4, model.Config.Encoder.Dim));
        var mismatch = new SmoothQuantMethod(new SmoothQuantOptions()).Apply(model, partial, plan);
        Assert.That(mismatch.Error!.Code, Is.EqualTo(QuantizationError.CalibrationMismatch));
        WeightOnlyTestSupport.AssertUnchanged(model, before);

        // The registry binds the same bounds.
        var definition = QuantizationMethodRegistry.Builtin.Find("smoothquant")!;
        Assert.That(definition.WeightOnly, Is.False);
        Assert.That(definition.RequiresCalibration, Is.True);
        Assert.That(() => definition.BindOptions(new Dictionary<string, object> { ["alpha"] = 2.0 }), Throws.ArgumentException);
        var bound = (SmoothQuantOptions)definition.BindOptions(new Dictionary<string, object> { ["alpha"] = 0.8, ["smooth_proj"] = true });
        Assert.That(bound, Is.EqualTo(new SmoothQuantOptions { Alpha = 0.8, SmoothProj = true }));
    }

    /// <summary>
    /// The held-out relative output error of the synthetic pair quantized with <paramref name="settings"/>, fitted on its
    /// fitting tokens only: plain RTN (recorded range), or SmoothQuant's α 0.5 fold first (range recomputed for X/s).
    /// </summary>
    private static double HeldOutError(LayerQuantSettings settings, bool smooth)
    {
        using var scope = NewDisposeScope();
        using var layer = SyntheticNormLinear.Create(seed: 7);
        var reference = layer.Output(layer.HeldOutRaw);
        using var calibration = Calibrate(layer, layer.FitRaw);
        var statistics = calibration.TryGet("synthetic.fc")!;
        ChannelTransform? transform = null;
        if (smooth)
        {
            var scales = SmoothedLayers.MigrationScales(statistics.MaxAbs(), [layer.Linear.Weight.detach()], 0.5);
            transform = new ChannelTransform(scales.DetachFromDisposeScope());
            SmoothingGroup.AfterNorm("synthetic.norm", SmoothingSite.Qkv, layer.Norm, layer.Linear).Fold(transform);
        }

        var record = SmoothedLayers.Quantize("test", settings, layer.Linear, statistics, transform, null, "test", 1);
        record.Codes?.Dispose();
        transform?.Dispose();
        return WeightOnlyTestSupport.RelativeError(reference, layer.Output(layer.HeldOutRaw));
    }

    private static CalibrationSet Calibrate(SyntheticNormLinear layer, Tensor raw)
    {
        var statistics = new ActivationStatistics(reservoirCapacity: 512, seed: 3);
        statistics.Observe("synthetic.fc", layer.LinearInputs(raw));
        return new CalibrationSet(statistics);
    }

    private static Tensor EncoderBlock(DinoWorldModel model, Tensor tokens)
    {
        using var noGrad = no_grad();
        return model.Encoder.Blocks[0].forward(tokens);
    }
}
