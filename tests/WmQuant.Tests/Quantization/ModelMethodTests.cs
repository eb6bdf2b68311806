using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class ModelMethodTests
{
    private static readonly WeightQuantConfig W4g = new(4, WeightGranularity.PerGroup);
    private static readonly ActivationQuantConfig A8Static = new(8, ActivationGranularity.PerTensorStatic);

    [Test]
    public void The_registry_holds_only_implemented_methods_and_builds_each_with_its_defaults()
    {
        var registry = QuantizationMethodRegistry.Builtin;
        Assert.Multiple(() =>
        {
            Assert.That(registry.Names, Does.Contain("rtn").And.Contain("omse"));
            Assert.That(registry.Find("fp8"), Is.Null);
            Assert.That(registry.Names, Is.Unique);
            foreach (var definition in registry.All)
            {
                Assert.That(definition.Create(definition.DefaultOptions()).Name, Is.EqualTo(definition.Name));
            }

            Assert.That(registry.Find("omse")!.Options.Single().Name, Is.EqualTo("candidates"));
            Assert.That(registry.Find("omse")!.Options.Single().Default, Is.EqualTo(90));
            Assert.Throws<ArgumentException>(() => registry.With(registry.Find("rtn")!));
        });
    }

    [Test]
    public void A_layer_that_throws_frees_the_codes_of_the_layers_made_before_it()
    {
        var scope = new ResolvedQuantizationScope([Settings("a"), Settings("b"), Settings("c")], []);
        var made = new List<QuantizedWeight>();
        LayerQuantizationRecord Record(LayerQuantSettings settings)
        {
            if (settings.Name == "c")
            {
                throw new InvalidOperationException("layer c fails");
            }

            var codes = WeightQuantizer.Quantize(randn(2, 128, generator: new TorchSharp.torch.Generator(1)), W4g);
            made.Add(codes);
            return new LayerQuantizationRecord(settings, codes, null, new ModelLayerReport(settings.Name, null, "W4", null, null, null, 0));
        }

        Assert.Throws<InvalidOperationException>(() => MethodSteps.Records(scope, Record));
        Assert.That(made, Has.Count.EqualTo(2));
        Assert.That(made.Select(w => w.Codes.IsInvalid), Is.All.True, "the codes of layers a and b are freed");

        made.Clear();
        var records = MethodSteps.Records(new ResolvedQuantizationScope([Settings("a"), Settings("b")], []), Record);
        Assert.That(records.Select(r => r.Settings.Name), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(made.Select(w => w.Codes.IsInvalid), Is.All.False, "a successful build keeps every record's codes");
        MethodSteps.Free(records);
        Assert.That(made.Select(w => w.Codes.IsInvalid), Is.All.True);

        static LayerQuantSettings Settings(string name) => new(name, null, 128, 2, W4g, null);
    }

    [Test]
    public void Static_activation_ranges_without_calibration_are_an_error_and_leave_the_model_unchanged()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 3);
        var before = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer.WeightMatrix.detach().clone());
        var method = QuantModelTestSupport.Method("rtn");
        var outcome = method.Apply(model, null, ModelQuantizationPlan.Study(W4g, A8Static));
        Assert.That(outcome.Ok, Is.False);
        Assert.That(outcome.Error!.Code, Is.EqualTo(QuantizationError.CalibrationRequired));
        Assert.Throws<InvalidOperationException>(() => outcome.Unwrap());
        foreach (var (name, layer) in model.NamedQuantizableLayers())
        {
            Assert.That(QuantModelTestSupport.Identical(layer.WeightMatrix.detach(), before[name]), Is.True, name);
            Assert.That(layer.InputTransform, Is.Null, name);
        }

        using var partial = new CalibrationSet(new ActivationStatistics());
        partial.Statistics.Observe("encoder.blocks.0.attn.qkv", ones(4, 32));
        var mismatch = method.Apply(model, partial, ModelQuantizationPlan.Study(W4g, A8Static));
        Assert.That(mismatch.Error!.Code, Is.EqualTo(QuantizationError.CalibrationMismatch));
        Assert.That(mismatch.Error.Message, Does.Contain("encoder.blocks.0.attn.proj"));
    }

    [TestCase("rtn")]
    [TestCase("omse")]
    public void Calibrated_w4_a8_static_installs_quantizers_and_reports_every_layer(string kind)
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 3);
        using var calibration = QuantModelTestSupport.Calibrate(model);
        var original = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer.WeightMatrix.detach().clone());
        var plan = ModelQuantizationPlan.Study(W4g, A8Static);
        using var result = QuantModelTestSupport.Method(kind).Apply(model, calibration, plan).Unwrap();

        Assert.That(result.Method, Is.EqualTo(kind));
        Assert.That(result.Reports.Select(r => r.Layer), Is.EqualTo(model.NamedQuantizableLayers().Select(l => l.Name)));
        Assert.That(result.FloatLayers, Is.EqualTo(new[] { "action_encoder.patch_embed", "proprio_encoder.patch_embed" }));
        foreach (var report in result.Reports.Where(r => r.IsFloat))
        {
            Assert.That(report.Settings, Is.EqualTo("float"));
            Assert.That(report.OutputMse, Is.Null);
        }

        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer);
        foreach (var record in result.Quantized)
        {
            var report = record.Report;
            var stats = calibration.TryGet(record.Name)!;
            Assert.That(report.CalibrationTokens, Is.EqualTo(stats.TokensSeen).And.GreaterThan(0));
            Assert.That(report.Weights!.WeightMse, Is.GreaterThan(0));
            Assert.That(report.Weights.OutputMse, Is.GreaterThan(0), "weight-only output error on calibration tokens");
            Assert.That(report.OutputMse, Is.GreaterThan(0), "weight and input error together");
            Assert.That(report.Activations!.Range!.Value.Max, Is.LessThanOrEqualTo(stats.Max));
            Assert.That(report.Activations.Parameters!.Value.ZeroPoint, Is.Not.Null, "asymmetric by default");
            Assert.That(layers[record.Name].InputTransform, Is.Not.Null);
            Assert.That(QuantModelTestSupport.Identical(layers[record.Name].WeightMatrix.detach(), WeightQuantizer.Dequantize(record.Codes!)), Is.True);
            if (kind == "rtn")
            {
                Assert.That(report.Activations.ClipRatio, Is.EqualTo(1));
                Assert.That(report.Activations.Range!.Value, Is.EqualTo(new ActivationRange(stats.Min, stats.Max)));
            }
            else
            {
                Assert.That(report.Activations.Mse, Is.LessThanOrEqualTo(report.Activations.UnclippedMse!.Value));
            }

            // The installed quantizer is the reported one.
            var tokens = stats.SampledTokens();
            var expected = ActivationQuantizer.FakeQuantizePerTensor(tokens, report.Activations.Range!.Value, A8Static);
            Assert.That(QuantModelTestSupport.Identical(layers[record.Name].InputTransform!(tokens), expected), Is.True);
        }

        Assert.That(QuantModelTestSupport.Identical(layers["action_encoder.patch_embed"].WeightMatrix.detach(), original["action_encoder.patch_embed"]), Is.True);
        var again = QuantModelTestSupport.Method(kind).Apply(model, calibration, plan);
        Assert.That(again.Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest), "a model is quantized once");
    }

    [Test]
    public void Omse_output_error_on_calibration_tokens_is_not_worse_than_rtn_overall()
    {
        using var rtnModel = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 4);
        using var omseModel = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 4);
        using var calibration = QuantModelTestSupport.Calibrate(rtnModel);
        var plan = ModelQuantizationPlan.Study(new WeightQuantConfig(3, WeightGranularity.PerChannel));
        using var rtn = QuantModelTestSupport.Method("rtn").Apply(rtnModel, calibration, plan).Unwrap();
        using var omse = QuantModelTestSupport.Method("omse").Apply(omseModel, calibration, plan).Unwrap();
        double rtnWeight = rtn.Quantized.Sum(l => l.Report.Weights!.WeightMse);
        double omseWeight = omse.Quantized.Sum(l => l.Report.Weights!.WeightMse);
        TestContext.Out.WriteLine($"W3 channel: weight MSE RTN {rtnWeight:E3} OMSE {omseWeight:E3}; output MSE RTN {rtn.Quantized.Sum(l => l.Report.OutputMse!.Value):E3} OMSE {omse.Quantized.Sum(l => l.Report.OutputMse!.Value):E3}");
        Assert.That(omseWeight, Is.LessThan(rtnWeight));
    }

    [Test]
    public void Mixed_precision_gives_each_group_its_bits_and_per_token_activations_need_no_calibration()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 5);
        var plan = new ModelQuantizationPlan(new WeightQuantConfig(8, WeightGranularity.PerChannel), W4g, new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic))
            .With(new QuantScopeRule(LayerSelector.Group(ModuleGroup.ActionEncoder), new WeightQuantConfig(6, WeightGranularity.PerChannel), null));
        using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, plan).Unwrap();
        foreach (var record in result.Layers)
        {
            int? bits = record.Codes?.Config.Bits;
            int? expected = record.Name switch
            {
                var n when n.StartsWith("encoder.", StringComparison.Ordinal) => 8,
                var n when n.StartsWith("predictor.", StringComparison.Ordinal) => 4,
                "action_encoder.patch_embed" => 6,
                _ => null,
            };
            Assert.That(bits, Is.EqualTo(expected), record.Name);
            Assert.That(record.Report.OutputMse, Is.Null, "no calibration, no output error");
            if (record.Codes is { } codes)
            {
                Assert.That(codes.Codes.abs().max().item<int>(), Is.LessThanOrEqualTo(codes.Config.MaxCode));
            }
        }

        Assert.That(result.Layers.Single(l => l.Name == "action_encoder.patch_embed").InputQuantizer, Is.Null);
        Assert.That(result.Layers.Single(l => l.Name == "encoder.blocks.0.attn.qkv").InputQuantizer!.StaticParameters, Is.Null);
    }
}
