using System.Text.Json.Nodes;
using WmQuant.IO.Safetensors;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

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
            .With(new QuantScopeRule(LayerSelector.Group(ModuleGroup.ProprioEncoder), new WeightQuantConfig(5, WeightGranularity.PerGroup, 32, symmetric: false), null)), "rtn").SetArgDisplayNames("W6 + A8 per-token, W5 g32 asym proprio"))
        .Append(new TestCaseData(
            "W7 per-tensor asym + A6 static asym",
            ModelQuantizationPlan.Study(
                new WeightQuantConfig(7, WeightGranularity.PerTensor, symmetric: false), new ActivationQuantConfig(6, ActivationGranularity.PerTensorStatic)),
            "rtn").SetArgDisplayNames("W7 per-tensor asym + A6 static asym"));

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
    public void A_second_quantization_run_gives_the_same_files_and_the_size_api_adds_up()
    {
        SerializedArtifact Run()
        {
            using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 22);
            using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, ModelQuantizationPlan.Study(new WeightQuantConfig(4, WeightGranularity.PerGroup, 128))).Unwrap();
            return QuantizedModelArtifact.Serialize(model, result);
        }

        var first = Run();
        var size = first.Size;
        Assert.That(first.Files.Select(f => f.FileName), Is.EqualTo(new[] { "model.safetensors", "config.json" }));
        Assert.That(Run().Files.Select(f => f.Bytes), Is.EqualTo(first.Files.Select(f => f.Bytes)));
        using var probe = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 22);
        long parameters = probe.state_dict().Values.Sum(t => t.numel());
        long linearWeights = probe.NamedLinears().Sum(l => l.Layer.Weight.numel());
        Assert.That(size.Fp32ParameterBytes, Is.EqualTo(parameters * 4));
        Assert.That(size.QuantizedWeights, Is.EqualTo(linearWeights));
        Assert.That(size.FileBytes, Is.EqualTo(first.Files[0].Bytes.LongLength));
        Assert.That(size.TensorBytes, Is.LessThan(size.FileBytes));
        var shapes = probe.NamedLinears().ToDictionary(l => l.Name, l => (N: l.Layer.OutFeatures, K: l.Layer.InFeatures));
        foreach (var layer in size.Layers)
        {
            // Rows of ⌈K/8⌉ int32 words plus one fp16 scale per started group of 128.
            var (n, k) = shapes[layer.Layer];
            Assert.That(layer.StorageBits, Is.EqualTo(n * ((((k + 7) / 8) * 32) + ((k + 127) / 128 * 16))), layer.Layer);
        }

        Assert.That(size.EffectiveBitsPerQuantizedWeight, Is.EqualTo((double)size.QuantizedStorageBits / size.QuantizedWeights));
        Assert.That(size.WholeModelReduction, Is.GreaterThan(1));
        Assert.That(size.QuantizedLayersReduction, Is.GreaterThan(6.9));
    }

    [Test]
    public void The_folder_alone_rebuilds_the_model_with_its_config_normalization_and_method_options()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        var config = QuantModelTestSupport.Tiny();
        using var model = new DinoWorldModel(config, seed: 24);
        using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, ModelQuantizationPlan.Study(W4g128)).Unwrap();
        var normalization = new NormalizationRecord([0.1, -0.2], [0.4, 0.4], [32, 32], [16, 16]);
        var written = QuantizedModelArtifact.Write(folder, model, result, new ArtifactWriteOptions
        {
            Normalization = normalization,
            MethodOptions = [new("clip", true), new("grid", 20)],
            Notes = new Dictionary<string, string> { ["recipe_sha256"] = "0123" },
        });
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "config.json", "model.safetensors" }));
        Assert.That(written.Files.Select(f => f.Name), Is.EqualTo(new[] { "model.safetensors", "config.json" }));
        Assert.That(written.Sha256, Is.EqualTo(QuantizedModelArtifact.Digest(folder)));
        using (var file = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors")))
        {
            Assert.That(file.Metadata, Is.EqualTo(new Dictionary<string, string> { ["format"] = "pt" }), "config.json is the one description");
        }

        foreach (string entry in new[] { folder, Path.Combine(folder, "config.json"), Path.Combine(folder, "model.safetensors") })
        {
            var loaded = QuantizedModelArtifact.Load(entry);
            Assert.That(loaded.Problems, Is.Empty, entry);
            using var reloaded = loaded.Model!;
            Assert.That(WorldModelConfigYaml.Serialize(loaded.ModelConfig!), Is.EqualTo(WorldModelConfigYaml.Serialize(config)));
            Assert.That(loaded.Normalization, Is.Not.Null);
            Assert.That((loaded.Normalization!.ActionMean, loaded.Normalization.ProprioStd), Is.EqualTo((normalization.ActionMean, normalization.ProprioStd)));
            Assert.That(loaded.Description!.MethodOptions!.ToJsonString(), Is.EqualTo("{\"clip\":true,\"grid\":20}"));
            Assert.That(loaded.Description.Notes["recipe_sha256"], Is.EqualTo("0123"));
            Assert.That(loaded.Files, Is.EqualTo(new[] { "model.safetensors" }));
            Assert.That(loaded.Folder, Is.EqualTo(Path.GetFullPath(folder)));
        }
    }

    [Test]
    public void Sharded_weights_reload_bit_identically_and_a_later_single_file_write_removes_the_shards()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 25);
        using var result = QuantModelTestSupport.Method("rtn")
            .Apply(model, null, ModelQuantizationPlan.Study(W4g128, new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic))).Unwrap();
        var inputs = QuantModelTestSupport.Inputs(model.Config);
        var expected = QuantModelTestSupport.Outputs(model, inputs);
        var sharded = new ArtifactWriteOptions { MaxShardBytes = 16 << 10 };
        var written = QuantizedModelArtifact.Write(folder, model, result, sharded);
        var names = written.Files.Select(f => f.Name).ToList();
        int count = names.Count(n => n.StartsWith("model-", StringComparison.Ordinal));
        Assert.That(count, Is.GreaterThan(2), string.Join(", ", names));
        Assert.That(names, Does.Contain("model.safetensors.index.json").And.Contain($"model-00001-of-{count:D5}.safetensors"));
        Assert.That(names, Does.Not.Contain("model.safetensors"));
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "model.safetensors.index.json")))!;
        Assert.That((long?)index["metadata"]!["total_size"], Is.EqualTo(written.Size.TensorBytes));
        Assert.That(index["weight_map"]!.AsObject().Count, Is.EqualTo(SafetensorsTorch.Load(Path.Combine(folder, "model.safetensors.index.json")).Count));

        var loaded = QuantizedModelArtifact.Load(folder);
        Assert.That(loaded.Problems, Is.Empty);
        using (var reloaded = loaded.Model!)
        {
            var actual = QuantModelTestSupport.Outputs(reloaded, inputs);
            Assert.That(QuantModelTestSupport.Identical(actual.Visual, expected.Visual), Is.True, "encoder output");
            Assert.That(QuantModelTestSupport.Identical(actual.Rollout, expected.Rollout), Is.True, "rollout");
        }

        using var second = new TempDirectory();
        string again = second.Path;
        QuantizedModelArtifact.Write(again, model, result, sharded);
        foreach (string name in names)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(again, name)), Is.EqualTo(File.ReadAllBytes(Path.Combine(folder, name))), name);
        }

        File.WriteAllText(Path.Combine(folder, "notes.txt"), "kept");
        QuantizedModelArtifact.Write(folder, model, result);
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "config.json", "model.safetensors", "notes.txt" }));
        Assert.That(QuantizedModelArtifact.Load(folder).Problems, Is.Empty);
    }

    [Test]
    public void Writing_refuses_a_model_whose_weights_moved_after_quantization()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 23);
        using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, ModelQuantizationPlan.Study(new WeightQuantConfig(4, WeightGranularity.PerChannel))).Unwrap();
        model.NamedLinears().First().Layer.SetWeight(zeros_like(model.NamedLinears().First().Layer.Weight));
        Assert.Throws<InvalidOperationException>(() => QuantizedModelArtifact.Write(folder, model, result));
        Assert.That(Directory.GetFiles(folder), Is.Empty, "nothing written");
    }

    private const string Qkv = "predictor.transformer.layers.0.0.to_qkv";
    private const string Fc1 = "encoder.blocks.0.mlp.fc1";

    public static IEnumerable<TestCaseData> Damages()
    {
        TestCaseData Case(string name, Action<Dictionary<string, Tensor>> change, params string[] messages) =>
            new TestCaseData(change, messages).SetArgDisplayNames(name);

        yield return Case("missing scale, wrong float shape", t =>
        {
            t.Remove(Qkv + ".weight_scale");
            t["predictor.transformer.norm.weight"] = zeros(7);
        }, Qkv + ".weight_scale is missing", "wrong shape for 'predictor.transformer.norm.weight'");
        yield return Case("NaN scale", t => SetScale(t, float.NaN), $"{Qkv}.weight_scale[3, 0] = NaN is not a finite positive scale");
        yield return Case("infinite scale", t => SetScale(t, float.PositiveInfinity), "= Infinity is not a finite positive scale");
        yield return Case("zero scale", t => SetScale(t, 0f), $"{Qkv}.weight_scale[3, 0] = 0 is not a finite positive scale");
        yield return Case("negative scale", t => SetScale(t, -1f), "= -1 is not a finite positive scale");
        yield return Case("padding bits", t =>
        {
            // K = 52 at 4 bits: 7 words a row, the last holding 4 codes (bits 0..15); bit 30 of it is padding.
            var packed = t[Qkv + ".weight_packed"].clone();
            packed[1, 6] = packed[1, 6].bitwise_or(tensor(1 << 30));
            t[Qkv + ".weight_packed"] = packed;
        }, Qkv + ".weight_packed[1, 6] has padding bits set");
        yield return Case("zero point past its 4 bits", t => t[Fc1 + ".weight_zero_point"] = tensor(new sbyte[] { 100 }, [1], ScalarType.Int8),
            Fc1 + ".weight_zero_point = 100 is outside the signed 4-bit range [-8, 7]");
        yield return Case("uint8 zero point", t => t[Fc1 + ".weight_zero_point"] = tensor(new byte[] { 200 }, [1], ScalarType.Byte),
            Fc1 + ".weight_zero_point has dtype Byte; expected Int8");
        yield return Case("shape that is not the model's", t =>
        {
            long rows = t[Qkv + ".weight_shape"][0].item<long>();
            t[Qkv + ".weight_shape"] = tensor(new[] { rows - 1, t[Qkv + ".weight_shape"][1].item<long>() }, ScalarType.Int64);
            t[Qkv + ".weight_packed"] = t[Qkv + ".weight_packed"][..(int)(rows - 1)].clone();
            t[Qkv + ".weight_scale"] = t[Qkv + ".weight_scale"][..(int)(rows - 1)].clone();
        }, $"{Qkv}.weight_shape is [95, 52] but the model's layer is [96, 52]");
        yield return Case("packed words of another width", t => t[Qkv + ".weight_packed"] = zeros(96, 5, ScalarType.Int32), $"{Qkv}.weight_packed has shape [96, 5]");
        yield return Case("input scale", t => t[Fc1 + ".input_scale"] = tensor(new[] { float.NaN }, [1]), Fc1 + ".input_scale = NaN is not a finite positive scale");
        yield return Case("input zero point", t => t[Fc1 + ".input_zero_point"] = tensor(new sbyte[] { 40 }, [1], ScalarType.Int8),
            Fc1 + ".input_zero_point = 40 is outside the signed 6-bit range [-32, 31]");
        yield return Case("an extra tensor", t => t[Qkv + ".weight_g_idx"] = zeros(32, ScalarType.Int32), $"unexpected key '{Qkv}.weight_g_idx'");
    }

    private readonly Lazy<string> damageSource = new(() =>
    {
        // Predictor W4 per-channel sym; encoder W4 per-tensor asym with static A6 asym inputs (so every tensor kind is present).
        // Shared by the damage cases, so it outlives one test: deleted in the fixture's teardown.
        string folder = Directory.CreateTempSubdirectory("wmq-test-").FullName;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 23);
        var encoder = new WeightQuantConfig(4, WeightGranularity.PerTensor, symmetric: false);
        var plan = new ModelQuantizationPlan(encoder, new WeightQuantConfig(4, WeightGranularity.PerChannel), null)
        {
            Overrides = [new QuantScopeRule(LayerSelector.Parse("encoder"), encoder, new ActivationQuantConfig(6, ActivationGranularity.PerTensorStatic))],
        };
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 1, iterations: 1));
        using var result = QuantModelTestSupport.Method("rtn").Apply(model, calibration, plan).Unwrap();
        QuantizedModelArtifact.Write(folder, model, result);
        return folder;
    });

    [OneTimeTearDown]
    public void RemoveDamageSource()
    {
        if (damageSource.IsValueCreated)
        {
            Directory.Delete(damageSource.Value, recursive: true);
        }
    }

    [TestCaseSource(nameof(Damages))]
    public void Loading_checks_everything_before_installing_anything_and_names_the_tensor(Action<Dictionary<string, Tensor>> change, string[] messages)
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        foreach (string file in Directory.GetFiles(damageSource.Value))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        Assert.That(QuantizedModelArtifact.Load(folder).Problems, Is.Empty, "the undamaged artifact loads");
        string weights = Path.Combine(folder, "model.safetensors");
        var tensors = SafetensorsTorch.Load(weights);
        change(tensors);
        SafetensorsTorch.Save(weights, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var loaded = QuantizedModelArtifact.Load(folder);
        Assert.That(loaded.Model, Is.Null);
        foreach (string message in messages)
        {
            Assert.That(loaded.Problems, Has.Some.Contains(message), string.Join("\n", loaded.Problems));
        }

        Assert.That(loaded.Problems, Has.All.StartWith(weights + ": "));
    }

    [Test]
    public void Loading_explains_what_a_folder_without_config_json_is()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 26);
        string plain = Path.Combine(folder, "model.safetensors");
        WorldModelCheckpoint.Save(model, plain, writeConfigBeside: false);
        Assert.That(QuantizedModelArtifact.Load(plain).Problems.Single(), Does.Contain("no config.json: not a quantized artifact"));

        SafetensorsTorch.Save(plain, new Dictionary<string, Tensor> { ["x.weight_packed"] = zeros(1, 1, ScalarType.Int32) },
            new Dictionary<string, string> { ["wmq.quantization"] = "{\"format_version\":1}" });
        Assert.That(QuantizedModelArtifact.Load(folder).Problems.Single(), Does.Contain("an artifact of wmq's format 1").And.Contain("quantize the model again"));
        Assert.That(QuantizedModelArtifact.Load(Path.Combine(folder, "missing")).Problems.Single(), Does.EndWith("missing: artifact not found"));
    }

    private static void SetScale(Dictionary<string, Tensor> tensors, float value)
    {
        var copy = tensors[Qkv + ".weight_scale"].clone();
        copy[3, 0] = tensor(value).to_type(copy.dtype);
        tensors[Qkv + ".weight_scale"] = copy;
    }

    private static ArtifactSize RoundTrip(string label, DinoWorldModel model, ModelQuantizationPlan plan, string method, bool expectDecoder)
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        bool needsCalibration = model.NamedQuantizableLayers().Any(l => plan.ActivationsFor(l.Name) is { Granularity: ActivationGranularity.PerTensorStatic });
        using var calibration = needsCalibration ? QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 2, iterations: 1)) : null;
        using var result = QuantModelTestSupport.Method(method).Apply(model, calibration, plan).Unwrap();
        var inputs = QuantModelTestSupport.Inputs(model.Config);
        var expected = QuantModelTestSupport.Outputs(model, inputs);

        string first = Path.Combine(folder, "first");
        var written = QuantizedModelArtifact.Write(first, model, result);
        string second = Path.Combine(folder, "second");
        QuantizedModelArtifact.Write(second, model, result);
        foreach (string name in new[] { "model.safetensors", "config.json" })
        {
            Assert.That(File.ReadAllBytes(Path.Combine(second, name)), Is.EqualTo(File.ReadAllBytes(Path.Combine(first, name))),
                $"write twice, same bytes: {name}");
        }

        var loaded = QuantizedModelArtifact.Load(first);
        Assert.That(loaded.Problems, Is.Empty);
        using var reloaded = loaded.Model!;
        var actual = QuantModelTestSupport.Outputs(reloaded, inputs);
        Assert.That(QuantModelTestSupport.Identical(actual.Visual, expected.Visual), Is.True, $"{label}: encoder output");
        Assert.That(QuantModelTestSupport.Identical(actual.Proprio, expected.Proprio), Is.True, $"{label}: proprio embedding");
        Assert.That(QuantModelTestSupport.Identical(actual.Rollout, expected.Rollout), Is.True, $"{label}: rollout");
        Assert.That(loaded.Config!.Method, Is.EqualTo(result.Method));
        Assert.That(loaded.Config.Ignore, Is.EqualTo(result.FloatLayers));
        Assert.That(loaded.Config.Layers.Select(l => (l.Name, l.Weights, l.Activations)),
            Is.EqualTo(result.Quantized.Select(l => (l.Name, ArtifactQuantizationConfig.Normalize(l.Settings.Weights), l.Settings.Activations))));

        using var file = SafetensorsFile.Open(Path.Combine(first, "model.safetensors"));
        var names = file.Tensors.Select(t => t.Name).ToHashSet();
        foreach (var record in result.Quantized.Where(r => r.Settings.Weights is not null))
        {
            var weights = record.Settings.Weights!;
            Assert.That(names, Does.Contain(record.Name + ".weight_packed").And.Not.Contain(record.Name + ".weight"));
            Assert.That(names.Contains(record.Name + ".weight_zero_point"), Is.EqualTo(!weights.Symmetric));
            Assert.That(file.Get(record.Name + ".weight_packed").DType, Is.EqualTo(SafetensorsDType.I32));
            Assert.That(file.Get(record.Name + ".weight_shape").DType, Is.EqualTo(SafetensorsDType.I64));
            long k = record.Settings.InFeatures;
            long perWord = 32 / weights.Bits;
            Assert.That(file.Get(record.Name + ".weight_packed").Shape, Is.EqualTo(new[] { record.Settings.OutFeatures, (k + perWord - 1) / perWord }));
        }

        foreach (var record in result.Quantized.Where(r => r.Settings.NeedsCalibratedRange))
        {
            Assert.That(names, Does.Contain(record.Name + ".input_scale"));
            Assert.That(names.Contains(record.Name + ".input_zero_point"), Is.EqualTo(!record.Settings.Activations!.Symmetric));
        }

        Assert.That(names.Any(n => n.StartsWith("decoder.", StringComparison.Ordinal)), Is.EqualTo(expectDecoder));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(first, "config.json")))!;
        Assert.That((string?)config["quantization_config"]!["format"], Is.EqualTo("pack-quantized"));
        TestContext.Out.WriteLine($"{model.Config.Name} {label}: {written.Size.EffectiveBitsPerQuantizedWeight:F3} bits per quantized weight, file {written.Size.FileBytes} B vs fp32 parameters {written.Size.Fp32ParameterBytes} B ({written.Size.WholeModelReduction:F2}x)");
        return written.Size;
    }
}
