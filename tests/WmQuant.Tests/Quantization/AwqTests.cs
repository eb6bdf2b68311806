using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Methods.Awq;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class AwqTests
{
    private static readonly WeightQuantConfig W4g128Asym = new(4, WeightGranularity.PerGroup, 128, symmetric: false);

    [TestCaseSource(typeof(WeightOnlyTestSupport), nameof(WeightOnlyTestSupport.LowBitConfigs))]
    public void Awq_beats_rtn_output_error_of_a_norm_linear_pair_with_outlier_channels_on_held_out_tokens(WeightQuantConfig config)
    {
        double rtn = double.NaN;
        foreach (var options in new[] { new AwqOptions(), new AwqOptions { ClipSearch = false }, new AwqOptions { DuoScaling = true } })
        {
            using var scope = NewDisposeScope();
            using var layer = SyntheticNormLinear.Create(seed: 7);
            var weight = layer.Linear.Weight.detach().clone();
            var bias = layer.Linear.Bias!.detach().clone();
            var reference = layer.Output(layer.HeldOutRaw) - bias;
            var heldOut = layer.LinearInputs(layer.HeldOutRaw);
            rtn = WeightOnlyTestSupport.RelativeError(reference, heldOut.matmul(WeightQuantizer.FakeQuantize(weight, config).t()));

            // The method's three steps on the pair, fitted on the fitting tokens only.
            var fit = layer.LinearInputs(layer.FitRaw);
            using var choice = AwqSearch.SearchScales([(weight, config)], fit, fit.abs().mean([0]), options);
            AwqScaleGroup.AfterNorm("synthetic.norm", layer.Norm, layer.Linear).Fold(choice.Scales);
            var folded = layer.Linear.Weight.detach();
            var (quantized, ratios) = AwqMethod.QuantizeWeight(folded, layer.LinearInputs(layer.FitRaw), config, options);
            layer.Linear.SetWeight(WeightQuantizer.Dequantize(quantized));
            double awq = WeightOnlyTestSupport.RelativeError(reference, layer.Output(layer.HeldOutRaw) - bias);

            TestContext.Out.WriteLine(
                $"{config}, clip {options.ClipSearch}, duo {options.DuoScaling}: r {choice.Ratio:F2}, " +
                $"mean clip {ratios?.mean().item<float>() ?? 1:F3}, held-out rel err RTN {rtn:E3}, AWQ {awq:E3} (x{awq / rtn:F3})");
            Assert.That(choice.Ratio, Is.GreaterThan(0), "outlier channels make scaling worth it");
            Assert.That(choice.Error, Is.LessThan(choice.UnscaledError * 0.6), "on the fitting tokens");
            Assert.That(awq, Is.LessThan(rtn * 0.5), "held out: at least 50% lower than RTN");
            Assert.That(ratios is null, Is.EqualTo(!options.ClipSearch));
        }
    }

    [Test]
    public void Clip_search_never_increases_any_groups_output_error_and_leaves_query_and_key_rows_alone()
    {
        using var scope = NewDisposeScope();
        using var layer = SyntheticNormLinear.Create(seed: 8);
        var weight = layer.Linear.Weight.detach().clone();
        var tokens = layer.LinearInputs(layer.FitRaw);
        var options = new AwqOptions();
        foreach (var config in new[] { new WeightQuantConfig(3, WeightGranularity.PerChannel), W4g128Asym })
        {
            var ratios = AwqSearch.SearchClipRatios(weight, tokens, config, options.ClipRatios);
            var clipped = WeightQuantizer.FakeQuantize(weight, config, ratios);
            var plain = WeightQuantizer.FakeQuantize(weight, config);
            // Per (row, group): the error of the group's contribution, Σ_t (Σ_k∈g x_tk Δ_k)².
            long groupSize = config.Granularity == WeightGranularity.PerGroup ? config.GroupSize : SyntheticNormLinear.Inputs;
            for (long start = 0; start < SyntheticNormLinear.Inputs; start += groupSize)
            {
                long length = Math.Min(groupSize, SyntheticNormLinear.Inputs - start);
                var x = tokens.narrow(1, start, length);
                var clippedError = x.matmul((clipped - weight).narrow(1, start, length).t()).Pow(2).sum([0]);
                var plainError = x.matmul((plain - weight).narrow(1, start, length).t()).Pow(2).sum([0]);
                Assert.That(clippedError.le(plainError.Mul(1 + 1e-5)).all().item<bool>(), Is.True, $"{config}: group at {start}");
            }

            Assert.That(ratios.min().item<float>(), Is.GreaterThanOrEqualTo(0.55f - 1e-6f), "1 − i/20 for i < 10");
            Assert.That(ratios.Lt(1).any().item<bool>(), Is.True, $"{config}: some groups clip");
            var unclipped = AwqSearch.SearchClipRatios(weight, tokens, config, options.ClipRatios, unclippedRows: 128);
            Assert.That(unclipped.narrow(0, 0, 128).Eq(1).all().item<bool>(), Is.True, "query and key rows keep their full range");
            var valueRows = unclipped.narrow(0, 128, 64);
            Assert.That(QuantModelTestSupport.Identical(valueRows, ratios.narrow(0, 128, 64)), Is.True, "value rows are searched");
        }
    }

    [Test]
    public void Folding_scales_with_quantization_disabled_keeps_block_encoder_and_rollout_outputs()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 31, roughen: 32);
        using var calibration = QuantModelTestSupport.Calibrate(model);
        var inputs = QuantModelTestSupport.Inputs(model.Config);
        var (visual, proprio, rollout) = QuantModelTestSupport.Outputs(model, inputs);
        var blockInput = randn([2, 5, model.Config.Encoder.Dim], generator: new Generator(33));
        var blockOutput = Forward(model, blockInput);
        var before = WeightOnlyTestSupport.Parameters(model);
        var scope = ModelQuantizationPlan.Study(W4g128Asym).Resolve(model);

        using (var searched = new AwqMethod(new AwqOptions()).Fold(AwqModelLayout.Of(model), scope, calibration))
        {
            TestContext.Out.WriteLine(string.Join("; ", searched.Layers.Order().Select(l => $"{l} {searched[l].Description}")));
            Assert.That(searched.Layers.Count(l => searched[l].Scales is not null), Is.GreaterThan(0), "the search scaled some groups");
        }

        // A fixed exponent scales every group, whatever the search would choose.
        using (var fixedFolding = new AwqMethod(new AwqOptions()).Fold(AwqModelLayout.Of(model), scope, calibration, fixedRatio: 0.5))
        {
            Assert.That(fixedFolding.Layers, Has.Count.EqualTo((3 * model.Config.Encoder.Depth) + (3 * model.Config.Predictor.Depth)));
            Assert.That(fixedFolding.Layers.All(l => fixedFolding[l].Scales is not null), Is.True);
        }

        var after = QuantModelTestSupport.Outputs(model, inputs);
        double block = WeightOnlyTestSupport.MaxRelativeDifference(blockOutput, Forward(model, blockInput));
        double encoder = WeightOnlyTestSupport.MaxRelativeDifference(visual, after.Visual);
        double predicted = WeightOnlyTestSupport.MaxRelativeDifference(rollout, after.Rollout);
        TestContext.Out.WriteLine($"max relative change: block {block:E2}, encoder {encoder:E2}, rollout {predicted:E2}");
        Assert.That(block, Is.LessThan(1e-5));
        Assert.That(encoder, Is.LessThan(1e-5));
        Assert.That(predicted, Is.LessThan(1e-5));
        Assert.That(QuantModelTestSupport.Identical(proprio, after.Proprio), Is.True);

        // The folds really moved parameters: gains, norms, value rows and the Linears' columns.
        var blocks = model.Encoder.Blocks;
        Assert.That(blocks.All(b => b.Ls1.Gamma.Eq(1).all().item<bool>() && b.Ls2.Gamma.Eq(1).all().item<bool>()), Is.True);
        foreach (string name in new[]
        {
            "encoder.blocks.0.norm1.weight", "encoder.blocks.0.norm2.bias", "encoder.blocks.1.attn.qkv.bias",
            "encoder.blocks.0.attn.proj.weight", "encoder.blocks.0.mlp.fc2.weight", "predictor.transformer.layers.0.0.norm.weight",
            "predictor.transformer.layers.1.1.net.0.bias", "predictor.transformer.layers.0.0.to_qkv.weight",
            "predictor.transformer.layers.0.0.to_out.0.weight",
        })
        {
            var now = model.named_parameters().Single(p => p.name == name).parameter;
            Assert.That(WeightOnlyTestSupport.MaxRelativeDifference(before[name], now), Is.GreaterThan(1e-3), name);
        }

        // Query and key rows of a fused projection are not touched by the value fold (norm scaling touches columns only).
        var qkvBefore = before["encoder.blocks.0.attn.qkv.bias"];
        var qkvAfter = blocks[0].Attn.Qkv.Bias!.detach();
        long dim = model.Config.Encoder.Dim;
        Assert.That(QuantModelTestSupport.Identical(qkvBefore.narrow(0, 0, 2 * dim), qkvAfter.narrow(0, 0, 2 * dim)), Is.True);
    }

    [Test]
    public void Groups_with_a_float_linear_are_not_scaled_and_float_layers_keep_their_weights()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 34, roughen: 35);
        using var calibration = QuantModelTestSupport.Calibrate(model);
        var before = WeightOnlyTestSupport.Parameters(model);
        var plan = ModelQuantizationPlan.Study(W4g128Asym).With(QuantScopeRule.Float(LayerSelector.Parse("*.attn.proj")));
        using var result = new AwqMethod(new AwqOptions { Grid = 10 }).Apply(model, calibration, plan).Unwrap();

        var proj = result.Layers.Single(l => l.Name == "encoder.blocks.0.attn.proj");
        Assert.That(proj.Codes, Is.Null);
        Assert.That(proj.Report.IsFloat, Is.True);
        foreach (int i in new[] { 0, 1 })
        {
            string block = $"encoder.blocks.{i}";
            foreach (string name in new[] { "attn.proj.weight", "attn.proj.bias", "ls1.gamma" })
            {
                var now = model.named_parameters().Single(p => p.name == $"{block}.{name}").parameter;
                Assert.That(QuantModelTestSupport.Identical(now, before[$"{block}.{name}"]), Is.True, name);
            }

            Assert.That(model.Encoder.Blocks[i].Ls2.Gamma.Eq(1).all().item<bool>(), Is.True, "fc2 is quantized: ls2 folded");
        }

        var qkv = result.Layers.Single(l => l.Name == "encoder.blocks.0.attn.qkv");
        Assert.That(qkv.Report.Weights!.ClipGrid, Does.StartWith("awq r="));
        var fc2 = result.Layers.Single(l => l.Name == "encoder.blocks.0.mlp.fc2");
        Assert.That(fc2.Report.Weights!.ClipGrid, Does.StartWith("awq unscaled"));
    }

    [Test]
    public void Awq_model_result_packs_and_reloads_to_bit_identical_outputs()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 36, roughen: 37);
        using var rtnModel = WeightOnlyTestSupport.RoughTiny(seed: 36, roughen: 37);
        // Inputs like the calibration data (rendered Wall frames), but other states: AWQ's scales follow the
        // calibration statistics, so far-off inputs (e.g. uniform noise images) need not gain.
        var inputs = WeightOnlyTestSupport.WallInputs(model.Config);
        var fp = QuantModelTestSupport.Outputs(model, inputs);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(reservoir: 256));
        var lines = new List<string>();
        var plan = ModelQuantizationPlan.Study(new WeightQuantConfig(3, WeightGranularity.PerGroup, 128, symmetric: false));
        using var result = new AwqMethod(new AwqOptions(), lines.Add).Apply(model, calibration, plan).Unwrap();
        using var rtn = QuantModelTestSupport.Method("rtn").Apply(rtnModel, null, plan).Unwrap();

        Assert.That(result.Method, Is.EqualTo("awq"));
        Assert.That(result.Reports.Select(r => r.Layer), Is.EqualTo(model.NamedQuantizableLayers().Select(l => l.Name)));
        Assert.That(result.FloatLayers, Is.EqualTo(new[] { "action_encoder.patch_embed", "proprio_encoder.patch_embed" }));
        Assert.That(lines, Has.Count.EqualTo(result.Quantized.Count));
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, lines));
        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer);
        foreach (var record in result.Quantized)
        {
            var weight = layers[record.Name].WeightMatrix.detach();
            Assert.That(QuantModelTestSupport.Identical(weight, WeightQuantizer.Dequantize(record.Codes!)), Is.True, record.Name);
            Assert.That(record.Report.Weights!.Method, Is.EqualTo("awq"));
            Assert.That(record.Report.Weights.OutputMse, Is.GreaterThan(0));
            Assert.That(record.Report.OutputMse, Is.EqualTo(record.Report.Weights.OutputMse));
            Assert.That(record.Report.CalibrationTokens, Is.EqualTo(calibration.TryGet(record.Name)!.TokensSeen));
            Assert.That(record.InputQuantizer, Is.Null);
        }

        var quantized = QuantModelTestSupport.Outputs(model, inputs);
        var rounded = QuantModelTestSupport.Outputs(rtnModel, inputs);
        WeightOnlyTestSupport.AssertCloserThanRtn(fp, quantized, rounded, "AWQ", "W3 g128 asym", factor: 0.8);

        QuantModelTestSupport.AssertReloadsBitIdentically(folder, model, result, "awq", inputs, quantized);
    }

    [Test]
    public void Awq_refuses_missing_calibration_input_quantization_and_bad_options_without_touching_the_model()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 38, roughen: 39);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 1));
        var before = WeightOnlyTestSupport.Parameters(model);
        var weightsOnly = ModelQuantizationPlan.Study(W4g128Asym);
        var method = new AwqMethod(new AwqOptions());

        var missing = method.Apply(model, null, weightsOnly);
        Assert.That(missing.Error!.Code, Is.EqualTo(QuantizationError.CalibrationRequired));
        var perToken = new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic);
        var withInputs = method.Apply(model, calibration, ModelQuantizationPlan.Study(W4g128Asym, perToken));
        Assert.That(withInputs.Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest));
        Assert.That(withInputs.Error.Message, Does.Contain("weights only"));
        var invalid = new[]
        {
            new AwqOptions { Grid = 0 }, new AwqOptions { ClipGrid = 0 },
            new AwqOptions { MaxShrinkSteps = 21 }, new AwqOptions { MaxShrinkSteps = 0 },
        };
        foreach (var options in invalid)
        {
            var outcome = new AwqMethod(options).Apply(model, calibration, weightsOnly);
            Assert.That(outcome.Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest), options.ToString());
        }

        using var partial = new CalibrationSet(new ActivationStatistics());
        partial.Statistics.Observe("encoder.blocks.0.attn.qkv", ones(4, model.Config.Encoder.Dim));
        var mismatch = method.Apply(model, partial, weightsOnly);
        Assert.That(mismatch.Error!.Code, Is.EqualTo(QuantizationError.CalibrationMismatch));
        Assert.That(mismatch.Error.Message, Does.Contain("encoder.blocks.0.attn.proj"));
        WeightOnlyTestSupport.AssertUnchanged(model, before);
    }

    private static Tensor Forward(DinoWorldModel model, Tensor tokens)
    {
        using var noGrad = no_grad();
        return model.Encoder.Blocks[0].forward(tokens);
    }
}
