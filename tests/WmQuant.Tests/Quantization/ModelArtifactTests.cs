using WmQuant.IO.Safetensors;
using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Tests.Quantization;

public class ModelArtifactTests
{
    private static readonly WeightQuantConfig W4g128 = new(4, WeightGranularity.PerGroup, 128);
    private static readonly WeightQuantConfig W8 = new(8, WeightGranularity.PerChannel);

    /// <summary>The five cases (W4 g128 sym, W3 channel, W8 asym, mixed enc W8 / pred W4, W8A8 per-tensor static), with the given methods.</summary>
    private static IEnumerable<TestCaseData> Required(string w3Method, string staticMethod)
    {
        yield return new TestCaseData("W4 g128 sym", ModelQuantizationPlan.Study(W4g128), "rtn").SetArgDisplayNames("W4 g128 sym");
        yield return new TestCaseData("W3 channel", ModelQuantizationPlan.Study(new WeightQuantConfig(3, WeightGranularity.PerChannel)), w3Method).SetArgDisplayNames("W3 channel");
        yield return new TestCaseData("W8 asym", ModelQuantizationPlan.Study(new WeightQuantConfig(8, WeightGranularity.PerChannel, symmetric: false)), "rtn").SetArgDisplayNames("W8 asym");
        yield return new TestCaseData("enc W8 / pred W4", new ModelQuantizationPlan(W8, W4g128), "rtn").SetArgDisplayNames("enc W8 / pred W4");
        yield return new TestCaseData("W8A8 per-tensor static", ModelQuantizationPlan.Study(W8, new ActivationQuantConfig(8, ActivationGranularity.PerTensorStatic)), staticMethod).SetArgDisplayNames("W8A8 per-tensor static");
    }

    public static IEnumerable<TestCaseData> TinyPlans() => Required("omse", "omse").Append(
        new TestCaseData("W6 + A8 per-token, W5 g32 asym proprio", ModelQuantizationPlan.Study(new WeightQuantConfig(6, WeightGranularity.PerChannel), new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic))
            .With(new QuantScopeRule(LayerSelector.Group(ModuleGroup.ProprioEncoder), new WeightQuantConfig(5, WeightGranularity.PerGroup, 32, symmetric: false), null)), "rtn").SetArgDisplayNames("W6 + A8 per-token, W5 g32 asym proprio"));

    public static IEnumerable<TestCaseData> WallPlans() => Required("rtn", "rtn");

    [TestCaseSource(nameof(TinyPlans))]
    public void Tiny_model_artifact_reloads_to_bit_identical_outputs_and_writes_the_same_bytes_twice(string label, ModelQuantizationPlan plan, string method)
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 21);
        RoundTrip(label, model, plan, method, expectDecoder: true);
    }

    [TestCaseSource(nameof(WallPlans))]
    public void Wall_model_artifact_reloads_to_bit_identical_outputs(string label, ModelQuantizationPlan plan, string method)
    {
        using var model = QuantModelTestSupport.LoadWall();
        var size = RoundTrip(label, model, plan, method, expectDecoder: model.Config.Decoder.Enabled);
        if (label == "W4 g128 sym")
        {
            Assert.That(size.EffectiveBitsPerQuantizedWeight, Is.LessThanOrEqualTo(4.3));
        }
    }

    [Test]
    public void A_second_quantization_run_gives_the_same_file_and_the_size_api_adds_up()
    {
        byte[] Run(out ArtifactSize size)
        {
            using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 22);
            using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, ModelQuantizationPlan.Study(new WeightQuantConfig(4, WeightGranularity.PerGroup, 128))).Unwrap();
            return QuantizedModelArtifact.Serialize(model, result, out size);
        }

        byte[] first = Run(out var size);
        Assert.That(Run(out _), Is.EqualTo(first));
        using var probe = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 22);
        long parameters = probe.state_dict().Values.Sum(t => t.numel());
        long linearWeights = probe.NamedLinears().Sum(l => l.Layer.Weight.numel());
        Assert.That(size.Fp32ParameterBytes, Is.EqualTo(parameters * 4));
        Assert.That(size.QuantizedWeights, Is.EqualTo(linearWeights));
        Assert.That(size.FileBytes, Is.EqualTo(first.LongLength));
        Assert.That(size.TensorBytes, Is.LessThan(size.FileBytes));
        var shapes = probe.NamedLinears().ToDictionary(l => l.Name, l => (N: l.Layer.OutFeatures, K: l.Layer.InFeatures));
        foreach (var layer in size.Layers)
        {
            // Rows of ⌈4K/32⌉ int32 words plus one fp16 scale per started group of 128.
            var (n, k) = shapes[layer.Layer];
            Assert.That(layer.StorageBits, Is.EqualTo(n * ((((4 * k) + 31) / 32 * 32) + ((k + 127) / 128 * 16))), layer.Layer);
        }

        Assert.That(size.EffectiveBitsPerQuantizedWeight, Is.EqualTo((double)size.QuantizedStorageBits / size.QuantizedWeights));
        Assert.That(size.WholeModelReduction, Is.GreaterThan(1));
        Assert.That(size.QuantizedLayersReduction, Is.GreaterThan(6.9));
    }

    [Test]
    public void Writing_refuses_a_model_whose_weights_moved_after_quantization_and_loading_reports_damage()
    {
        string folder = QuantModelTestSupport.TempDirectory();
        try
        {
            using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 23);
            using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, ModelQuantizationPlan.Study(new WeightQuantConfig(4, WeightGranularity.PerChannel))).Unwrap();
            string path = Path.Combine(folder, "model.safetensors");
            QuantizedModelArtifact.Write(path, model, result);

            var tensors = SafetensorsTorch.Load(path);
            using var file = SafetensorsFile.Open(path);
            var metadata = new Dictionary<string, string>(file.Metadata);
            tensors.Remove("predictor.transformer.layers.0.0.to_qkv.weight_scale");
            tensors["predictor.transformer.norm.weight"] = TorchSharp.torch.zeros(7);
            string damaged = Path.Combine(folder, "damaged.safetensors");
            SafetensorsTorch.Save(damaged, tensors, metadata);
            var problems = QuantizedModelArtifact.Load(damaged).Problems;
            Assert.That(problems, Has.Some.Contains("predictor.transformer.layers.0.0.to_qkv.weight_scale is missing"));
            Assert.That(problems, Has.Some.Contains("wrong shape for 'predictor.transformer.norm.weight'"));

            string plain = Path.Combine(folder, "plain.safetensors");
            WmQuant.Models.Checkpoints.WorldModelCheckpoint.Save(model, plain, writeConfigBeside: false);
            Assert.That(QuantizedModelArtifact.Load(plain).Problems.Single(), Does.Contain("not a quantized artifact"));

            model.NamedLinears().First().Layer.SetWeight(TorchSharp.torch.zeros_like(model.NamedLinears().First().Layer.Weight));
            Assert.Throws<InvalidOperationException>(() => QuantizedModelArtifact.Write(path, model, result));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ArtifactSize RoundTrip(string label, DinoWorldModel model, ModelQuantizationPlan plan, string method, bool expectDecoder)
    {
        string folder = QuantModelTestSupport.TempDirectory();
        try
        {
            bool needsCalibration = model.NamedQuantizableLayers().Any(l => plan.ActivationsFor(l.Name) is { Granularity: ActivationGranularity.PerTensorStatic });
            using var calibration = needsCalibration ? QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 2, iterations: 1)) : null;
            using var result = QuantModelTestSupport.Method(method).Apply(model, calibration, plan).Unwrap();
            var inputs = QuantModelTestSupport.Inputs(model.Config);
            var expected = QuantModelTestSupport.Outputs(model, inputs);

            string path = Path.Combine(folder, "model.safetensors");
            var written = QuantizedModelArtifact.Write(path, model, result);
            string second = Path.Combine(folder, "again.safetensors");
            QuantizedModelArtifact.Write(second, model, result);
            Assert.That(File.ReadAllBytes(second), Is.EqualTo(File.ReadAllBytes(path)), "write twice, same bytes");

            var loaded = QuantizedModelArtifact.Load(path);
            Assert.That(loaded.Problems, Is.Empty);
            using var reloaded = loaded.Model!;
            var actual = QuantModelTestSupport.Outputs(reloaded, inputs);
            Assert.That(QuantModelTestSupport.Identical(actual.Visual, expected.Visual), Is.True, $"{label}: encoder output");
            Assert.That(QuantModelTestSupport.Identical(actual.Proprio, expected.Proprio), Is.True, $"{label}: proprio embedding");
            Assert.That(QuantModelTestSupport.Identical(actual.Rollout, expected.Rollout), Is.True, $"{label}: rollout");
            Assert.That(loaded.Config!.Method, Is.EqualTo(result.Method));
            Assert.That(loaded.Config.Ignore, Is.EqualTo(result.FloatLayers));
            Assert.That(loaded.Config.Layers.Select(l => (l.Name, l.Weights, l.Activations)), Is.EqualTo(result.Quantized.Select(l => (l.Name, l.Settings.Weights, l.Settings.Activations))));

            using var file = SafetensorsFile.Open(path);
            var names = file.Tensors.Select(t => t.Name).ToHashSet();
            foreach (var record in result.Quantized.Where(r => r.Settings.Weights is not null))
            {
                Assert.That(names, Does.Contain(record.Name + ".weight_packed").And.Not.Contain(record.Name + ".weight"));
                Assert.That(names.Contains(record.Name + ".weight_zero_point"), Is.EqualTo(!record.Settings.Weights!.Symmetric));
                Assert.That(file.Get(record.Name + ".weight_packed").DType, Is.EqualTo(SafetensorsDType.I32));
            }

            foreach (var record in result.Quantized.Where(r => r.Settings.NeedsCalibratedRange))
            {
                Assert.That(names, Does.Contain(record.Name + ".input_scale").And.Contain(record.Name + ".input_zero_point"));
            }

            Assert.That(names.Any(n => n.StartsWith("decoder.", StringComparison.Ordinal)), Is.EqualTo(expectDecoder));
            Assert.That(file.Metadata[ArtifactQuantizationConfig.MetadataKey], Does.Contain("\"config_groups\"").And.Contain("\"ignore\""));
            TestContext.Out.WriteLine($"{model.Config.Name} {label}: {written.Size.EffectiveBitsPerQuantizedWeight:F3} bits per quantized weight, file {written.Size.FileBytes} B vs fp32 parameters {written.Size.Fp32ParameterBytes} B ({written.Size.WholeModelReduction:F2}x)");
            return written.Size;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
