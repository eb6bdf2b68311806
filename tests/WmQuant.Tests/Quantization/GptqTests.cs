using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Methods.Gptq;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class GptqTests
{
    private static readonly WeightQuantConfig W4g128Asym = new(4, WeightGranularity.PerGroup, 128, symmetric: false);

    [TestCaseSource(typeof(WeightOnlyTestSupport), nameof(WeightOnlyTestSupport.LowBitConfigs))]
    public void Gptq_beats_rtn_output_error_on_held_out_correlated_tokens(WeightQuantConfig config)
    {
        // Correlated inputs without outlier channels: the defaults (natural column order) suffice.
        using var scope = NewDisposeScope();
        using var layer = SyntheticNormLinear.Create(seed: 7, outlierGain: 1);
        var (rtn, gptq) = HeldOutErrors(layer, config, new GptqOptions());
        TestContext.Out.WriteLine($"{config}, no outliers: held-out rel err RTN {rtn:E3}, GPTQ {gptq:E3} (x{gptq / rtn:F3})");
        Assert.That(gptq, Is.LessThan(rtn * 0.8), "at least 20% lower than RTN");
    }

    [TestCaseSource(typeof(WeightOnlyTestSupport), nameof(WeightOnlyTestSupport.LowBitConfigs))]
    public void Gptq_with_act_order_beats_rtn_output_error_with_outlier_channels_on_held_out_tokens(WeightQuantConfig config)
    {
        // Outlier channels (γ ×20–50): quantized late in natural order, their errors can hardly be compensated by the
        // small-input columns left; act-order quantizes them first.
        using var scope = NewDisposeScope();
        using var layer = SyntheticNormLinear.Create(seed: 7);
        var (rtn, natural) = HeldOutErrors(layer, config, new GptqOptions());
        var (_, actOrder) = HeldOutErrors(layer, config, new GptqOptions { ActOrder = true });
        TestContext.Out.WriteLine(
            $"{config}, outliers: held-out rel err RTN {rtn:E3}, GPTQ {natural:E3} (x{natural / rtn:F3}), " +
            $"act-order {actOrder:E3} (x{actOrder / rtn:F3})");
        Assert.That(actOrder, Is.LessThan(rtn * 0.6), "at least 40% lower than RTN");
        Assert.That(natural, Is.LessThan(rtn), "natural order still helps a little");
        Assert.That(actOrder, Is.LessThan(natural));
    }

    [TestCaseSource(typeof(WeightOnlyTestSupport), nameof(WeightOnlyTestSupport.LowBitConfigs))]
    public void Gptq_with_a_diagonal_hessian_is_rtn_and_with_orthonormal_inputs_nearly(WeightQuantConfig config)
    {
        using var scope = NewDisposeScope();
        var weight = QuantTestData.HeavyTailed(96, 320, 12);
        using var rtn = WeightQuantizer.Quantize(weight, config);

        // H exactly diagonal (X = 2·I): no error can be moved anywhere, with or without dampening, in either order,
        // so the codes and scales are RTN's bit for bit (320 inputs: the last g128 group is partial).
        var hessian = GptqQuantizer.Hessian(eye(320).Mul(2));
        var variants = new[] { new GptqOptions { Damp = 0 }, new GptqOptions(), new GptqOptions { ActOrder = true, BlockSize = 32 } };
        foreach (var options in variants)
        {
            var solved = GptqQuantizer.Quantize(weight, hessian, config, options);
            Assert.That(solved.Damping, Is.EqualTo(options.Damp));
            Assert.That(QuantModelTestSupport.Identical(solved.Quantized.Codes, rtn.Codes), Is.True, $"codes, {options}");
            Assert.That(QuantModelTestSupport.Identical(solved.Quantized.Scales, rtn.Scales), Is.True, $"scales, {options}");
        }

        // Orthonormal columns (H = 2I/n up to rounding): RTN quality, within a few percent.
        var tokens = linalg.qr(randn([1024, 320], generator: new Generator(13))).Q;
        var solvedNearly = GptqQuantizer.Quantize(weight, GptqQuantizer.Hessian(tokens), config, new GptqOptions());
        var nearly = WeightQuantizer.Dequantize(solvedNearly.Quantized);
        double rtnError = QuantErrorMetrics.OutputMse(tokens, weight, WeightQuantizer.Dequantize(rtn));
        double gptqError = QuantErrorMetrics.OutputMse(tokens, weight, nearly);
        double sameCodes = WeightQuantizer.Dequantize(rtn).eq(nearly).to_type(ScalarType.Float64).mean().item<double>();
        TestContext.Out.WriteLine($"{config} orthonormal inputs: GPTQ/RTN error {gptqError / rtnError:F4}, {sameCodes:P2} weights equal");
        Assert.That(Math.Abs((gptqError / rtnError) - 1), Is.LessThan(0.03));
        Assert.That(sameCodes, Is.GreaterThan(0.98));
    }

    [Test]
    public void Act_order_changes_nothing_when_the_hessian_diagonal_is_constant()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(14);
        var weight = QuantTestData.HeavyTailed(64, 200, 15);
        // A correlation matrix: strongly off-diagonal, with a diagonal of exactly 1.
        var mixing = eye(200).Add(randn([200, 200], generator: generator).Mul(0.2));
        var mixed = randn([512, 200], generator: generator).matmul(mixing).to_type(ScalarType.Float64);
        var covariance = mixed.t().matmul(mixed);
        var deviation = covariance.diagonal().sqrt();
        var correlation = covariance / deviation.unsqueeze(0) / deviation.unsqueeze(1);
        var identity = eye(200, dtype: ScalarType.Float64);
        correlation = (correlation * identity.RSub(1)).Add(identity);
        var configs = new[]
        {
            new WeightQuantConfig(3, WeightGranularity.PerChannel), new WeightQuantConfig(4, WeightGranularity.PerTensor, symmetric: false),
        };
        foreach (var config in configs)
        {
            var natural = GptqQuantizer.Quantize(weight, correlation, config, new GptqOptions());
            var ordered = GptqQuantizer.Quantize(weight, correlation, config, new GptqOptions { ActOrder = true });
            Assert.That(QuantModelTestSupport.Identical(natural.Quantized.Codes, ordered.Quantized.Codes), Is.True, config.ToString());
            using var rounded = WeightQuantizer.Quantize(weight, config);
            Assert.That(QuantModelTestSupport.Identical(natural.Quantized.Codes, rounded.Codes), Is.False, "correlations move errors");
        }

        // Per group, act-order fixes every group's scale beforehand (static groups) instead of from the updated
        // columns; the order is the same, so the results stay close.
        var groups = new WeightQuantConfig(3, WeightGranularity.PerGroup, 64);
        var dynamic = GptqQuantizer.Quantize(weight, correlation, groups, new GptqOptions());
        var fixedScales = GptqQuantizer.Quantize(weight, correlation, groups, new GptqOptions { ActOrder = true });
        using var rtn = WeightQuantizer.Quantize(weight, groups);
        Assert.That(QuantModelTestSupport.Identical(fixedScales.Quantized.Scales, rtn.Scales), Is.True);
        var tokens = mixed.to_type(ScalarType.Float32);
        double Error(GptqLayerResult r) => QuantErrorMetrics.OutputMse(tokens, weight, WeightQuantizer.Dequantize(r.Quantized));
        Assert.That(Error(fixedScales) / Error(dynamic), Is.InRange(0.9, 1.1));
    }

    [Test]
    public void Dead_inputs_get_zero_weights_and_a_singular_hessian_gets_more_damping()
    {
        using var scope = NewDisposeScope();
        var weight = QuantTestData.HeavyTailed(32, 64, 16);
        var tokens = randn([256, 64], generator: new Generator(17));
        tokens.narrow(1, 10, 3).zero_();
        var config = new WeightQuantConfig(4, WeightGranularity.PerChannel);
        var solved = GptqQuantizer.Quantize(weight, GptqQuantizer.Hessian(tokens), config, new GptqOptions());
        var values = WeightQuantizer.Dequantize(solved.Quantized);
        Assert.That(solved.DeadColumns, Is.EqualTo(3));
        Assert.That(values.narrow(1, 10, 3).Eq(0).all().item<bool>(), Is.True);
        Assert.That(values.isfinite().all().item<bool>(), Is.True);

        // 16 tokens for 64 inputs: H has rank 16, so without dampening it has no Cholesky factor.
        var few = randn([16, 64], generator: new Generator(18));
        var singular = GptqQuantizer.Quantize(weight, GptqQuantizer.Hessian(few), config, new GptqOptions { Damp = 0 });
        Assert.That(singular.Damping, Is.GreaterThanOrEqualTo(1e-4));
        Assert.That(WeightQuantizer.Dequantize(singular.Quantized).isfinite().all().item<bool>(), Is.True);
    }

    [Test]
    public void Gptq_model_result_packs_reloads_bit_identically_and_lowers_calibration_output_error()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 41, roughen: 42);
        using var rtnModel = WeightOnlyTestSupport.RoughTiny(seed: 41, roughen: 42);
        var inputs = WeightOnlyTestSupport.WallInputs(model.Config);
        var fp = QuantModelTestSupport.Outputs(model, inputs);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(reservoir: 256));
        var lines = new List<string>();
        var plan = ModelQuantizationPlan.Study(W4g128Asym)
            .With(new QuantScopeRule(
                LayerSelector.Group(ModuleGroup.ActionEncoder), new WeightQuantConfig(3, WeightGranularity.PerChannel), null));
        using var result = new GptqMethod(new GptqOptions { ActOrder = true }, lines.Add).Apply(model, calibration, plan).Unwrap();
        var rtnMethod = QuantModelTestSupport.Method("rtn");
        using var rtn = rtnMethod.Apply(rtnModel, calibration, plan).Unwrap();

        Assert.That(result.Method, Is.EqualTo("gptq"));
        Assert.That(result.FloatLayers, Is.EqualTo(new[] { "proprio_encoder.patch_embed" }));
        Assert.That(lines, Has.Count.EqualTo(result.Quantized.Count));
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, lines));
        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer);
        foreach (var record in result.Quantized)
        {
            var weight = layers[record.Name].WeightMatrix.detach();
            Assert.That(QuantModelTestSupport.Identical(weight, WeightQuantizer.Dequantize(record.Codes!)), Is.True, record.Name);
            Assert.That(record.Report.Weights!.Method, Is.EqualTo("gptq"));
            Assert.That(record.Report.CalibrationTokens, Is.EqualTo(calibration.TryGet(record.Name)!.TokensSeen));
        }

        // GPTQ minimises exactly this (up to dampening), on exactly these tokens.
        double gptqMse = result.Quantized.Sum(l => l.Report.OutputMse!.Value);
        double rtnMse = rtn.Quantized.Sum(l => l.Report.OutputMse!.Value);
        TestContext.Out.WriteLine($"summed output MSE on calibration tokens: RTN {rtnMse:E3}, GPTQ {gptqMse:E3}");
        Assert.That(gptqMse, Is.LessThan(rtnMse * 0.8));

        var expected = QuantModelTestSupport.Outputs(model, inputs);
        var rounded = QuantModelTestSupport.Outputs(rtnModel, inputs);
        WeightOnlyTestSupport.AssertCloserThanRtn(fp, expected, rounded, "GPTQ", "W4 g128 asym", factor: 0.8);
        QuantModelTestSupport.AssertReloadsBitIdentically(folder, model, result, "gptq", inputs, expected);
    }

    [Test]
    public void Gptq_refuses_missing_calibration_input_quantization_and_bad_options_without_touching_the_model()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 43);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 1));
        var before = WeightOnlyTestSupport.Parameters(model);
        var weightsOnly = ModelQuantizationPlan.Study(W4g128Asym);
        var method = new GptqMethod(new GptqOptions());

        Assert.That(method.Apply(model, null, weightsOnly).Error!.Code, Is.EqualTo(QuantizationError.CalibrationRequired));
        var a8Static = new ActivationQuantConfig(8, ActivationGranularity.PerTensorStatic);
        var staticInputs = method.Apply(model, calibration, ModelQuantizationPlan.Study(W4g128Asym, a8Static));
        Assert.That(staticInputs.Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest));
        var activationOnly = ModelQuantizationPlan.Study(
            new WeightQuantConfig(WeightQuantConfig.BypassBits, WeightGranularity.PerChannel),
            new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic));
        Assert.That(method.Apply(model, calibration, activationOnly).Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest));
        var invalid = new[]
        {
            new GptqOptions { Damp = -0.1 }, new GptqOptions { Damp = double.NaN },
            new GptqOptions { Damp = 1.5 }, new GptqOptions { BlockSize = 0 },
        };
        foreach (var options in invalid)
        {
            var outcome = new GptqMethod(options).Apply(model, calibration, weightsOnly);
            Assert.That(outcome.Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest), options.ToString());
        }

        using var narrow = new CalibrationSet(new ActivationStatistics());
        foreach (var (name, layer) in model.NamedQuantizableLayers())
        {
            narrow.Statistics.Observe(name, ones(4, name == "predictor.transformer.layers.1.1.net.4" ? 7 : layer.InFeatures));
        }

        var mismatch = method.Apply(model, narrow, weightsOnly);
        Assert.That(mismatch.Error!.Code, Is.EqualTo(QuantizationError.CalibrationMismatch));
        Assert.That(mismatch.Error.Message, Does.Contain("predictor.transformer.layers.1.1.net.4 (model 144, calibration 7)"));
        WeightOnlyTestSupport.AssertUnchanged(model, before);
    }

    private static (double Rtn, double Gptq) HeldOutErrors(SyntheticNormLinear layer, WeightQuantConfig config, GptqOptions options)
    {
        using var scope = NewDisposeScope();
        var weight = layer.Linear.Weight.detach();
        var heldOut = layer.LinearInputs(layer.HeldOutRaw);
        var reference = heldOut.matmul(weight.t());
        var solved = GptqQuantizer.Quantize(weight, GptqQuantizer.Hessian(layer.LinearInputs(layer.FitRaw)), config, options);
        return (
            WeightOnlyTestSupport.RelativeError(reference, heldOut.matmul(WeightQuantizer.FakeQuantize(weight, config).t())),
            WeightOnlyTestSupport.RelativeError(reference, heldOut.matmul(WeightQuantizer.Dequantize(solved.Quantized).t())));
    }

    private static IEnumerable<TestCaseData> DefinitionCases()
    {
        var channel = new WeightQuantConfig(3, WeightGranularity.PerChannel, symmetric: false);
        var groups = new WeightQuantConfig(3, WeightGranularity.PerGroup, 16);
        foreach (bool actOrder in new[] { false, true })
        {
            string order = actOrder ? "act-order" : "natural order";
            yield return new TestCaseData(channel, actOrder).SetArgDisplayNames("W3 channel asym", order);
            yield return new TestCaseData(groups, actOrder).SetArgDisplayNames("W3 g16 sym (40 inputs: last group partial)", order);
        }
    }

    [TestCaseSource(nameof(DefinitionCases))]
    public void Gptq_matches_a_direct_implementation_of_its_definition(WeightQuantConfig config, bool actOrder)
    {
        // The definition: quantize columns in order; after column j, the remaining columns F get the least-squares
        // correction δ_F = −(w_j − q_j) / [H_F⁻¹]_jj · [H_F⁻¹]_j,F with H_F⁻¹ the inverse of H restricted to F (OBS).
        // Group scales: from the group's current (corrected) columns when its first column is reached, or with
        // act-order from the original weight (static groups).
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        const long rows = 12, columns = 40;
        var weight = randn([rows, columns], generator: generator).Mul(0.05);
        var mixing = eye(columns).Add(randn([columns, columns], generator: generator).Mul(0.3));
        var tokens = randn([256, columns], generator: generator).matmul(mixing);
        tokens = tokens * rand([columns], generator: generator).Mul(3).Add(0.2);
        var options = new GptqOptions { BlockSize = 12, ActOrder = actOrder };
        var hessian = GptqQuantizer.Hessian(tokens);
        var solved = GptqQuantizer.Quantize(weight, hessian, config, options);

        var h = hessian.Add(eye(columns, dtype: ScalarType.Float64).Mul(0.01 * hessian.diagonal().mean().item<double>()));
        long[] order = actOrder
            ? GptqQuantizer.DecreasingDiagonalOrder(hessian)
            : [.. Enumerable.Range(0, (int)columns).Select(i => (long)i)];
        if (actOrder)
        {
            Assert.That(order, Is.Not.Ordered, "the case must really reorder");
        }

        bool perGroup = config.Granularity == WeightGranularity.PerGroup;
        var w = weight.to_type(ScalarType.Float64).clone();
        using var rtn = WeightQuantizer.Quantize(weight, config);
        var scales = rtn.Scales.clone();
        var zeroPoints = rtn.ZeroPoints?.to_type(ScalarType.Float32);
        var codes = zeros([rows, columns], ScalarType.Int32);
        for (int step = 0; step < columns; step++)
        {
            long j = order[step];
            long group = perGroup ? j / config.GroupSize : 0;
            if (perGroup && !actOrder && j % config.GroupSize == 0)
            {
                long length = Math.Min(config.GroupSize, columns - j);
                var groupColumns = w.narrow(1, j, length).to_type(ScalarType.Float32);
                using var current = WeightQuantizer.Quantize(groupColumns, config with { Granularity = WeightGranularity.PerChannel });
                scales.narrow(1, group, 1).copy_(current.Scales);
            }

            var scale = scales.select(1, group);
            var zero = zeroPoints?.select(1, group) ?? zeros_like(scale);
            var remaining = tensor(order[step..], ScalarType.Int64);
            var inverse = linalg.inv(h.index_select(0, remaining).index_select(1, remaining));
            var column = w.select(1, j);
            var q = (column.to_type(ScalarType.Float32) / scale).round().Add(zero).Clamp(config.MinCode, config.MaxCode);
            codes.select(1, j).copy_(q.to_type(ScalarType.Int32));
            var value = ((q - zero) * scale).to_type(ScalarType.Float64);
            var correction = ((column - value) / inverse[0, 0]).unsqueeze(1).matmul(inverse.narrow(0, 0, 1));
            w.index_copy_(1, remaining, w.index_select(1, remaining) - correction);
        }

        long differing = solved.Quantized.Codes.ne(codes).sum().item<long>();
        TestContext.Out.WriteLine($"{config}, act-order {actOrder}: {differing} of {rows * columns} codes differ from the direct form");
        Assert.That(differing, Is.LessThanOrEqualTo(2), "the Cholesky form and the lazy block updates compute the same corrections");
        Assert.That(QuantModelTestSupport.Identical(solved.Quantized.Scales, scales), Is.True, "scales from the same columns");
        Assert.That(QuantModelTestSupport.Identical(solved.Quantized.Codes, rtn.Codes), Is.False, "error feedback changes codes");
        if (!perGroup || actOrder)
        {
            Assert.That(QuantModelTestSupport.Identical(solved.Quantized.Scales, rtn.Scales), Is.True, "static scales are RTN's");
        }
    }
}
