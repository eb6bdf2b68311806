using System.Text;
using System.Text.Json.Nodes;
using WmQuant.Models.Checkpoints;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Tests.Quantization;

public class ArtifactConfigFileTests
{
    private static readonly WeightQuantConfig W4g128 = new(4, WeightGranularity.PerGroup, 128);
    private static readonly WeightQuantConfig W8ChannelAsym =
        new(8, WeightGranularity.PerChannel, groupSize: 32, symmetric: false, scaleStorage: ScaleStorage.Float32);
    private static readonly ActivationQuantConfig A8Static = new(8, ActivationGranularity.PerTensorStatic);
    private static readonly ActivationQuantConfig A8Token = new(8, ActivationGranularity.PerTokenDynamic, symmetric: true);

    private static ArtifactConfigFile Sample(string method = "gptq", bool actOrder = true) => new(
        new ArtifactQuantizationConfig(
            ArtifactQuantizationConfig.CurrentFormatVersion,
            method,
            [
                new ArtifactLayerSpec("encoder.blocks.0.attn.qkv", W4g128, null),
                new ArtifactLayerSpec("encoder.blocks.0.mlp.fc1", W8ChannelAsym, A8Static),
                new ArtifactLayerSpec("encoder.blocks.0.mlp.fc2", W4g128, null),
                new ArtifactLayerSpec("predictor.transformer.layers.0.0.to_qkv", null, A8Token),
            ],
            ["action_encoder.patch_embed"]),
        "name: tiny\n",
        new NormalizationRecord([0.0, 0.5], [0.4, 0.1], [32.0, 1e-7], [16.0, 3.0]),
        ArtifactConfigFile.OptionsObject([new("damp", 0.01), new("act_order", actOrder), new("block_size", 128)]),
        new Dictionary<string, string> { ["source_model_sha256"] = "abc" });

    [Test]
    public void Config_json_speaks_compressed_tensors_and_keeps_wmq_facts_in_their_own_block()
    {
        byte[] bytes = Sample().ToBytes();
        var root = JsonNode.Parse(bytes)!.AsObject();
        Assert.That(root.Select(p => p.Key), Is.EqualTo(new[] { "quantization_config", "wmq" }));
        var q = root["quantization_config"]!.AsObject();
        Assert.That(q.Select(p => p.Key), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "keys sorted, as Hugging Face writes config.json");
        Assert.That((string?)q["quant_method"], Is.EqualTo("compressed-tensors"));
        Assert.That((string?)q["format"], Is.EqualTo("pack-quantized"));
        Assert.That((string?)q["quantization_status"], Is.EqualTo("compressed"));
        Assert.That(q["ignore"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "action_encoder.patch_embed" }));

        var groups = q["config_groups"]!.AsObject();
        Assert.That(groups.Select(g => g.Key), Is.EqualTo(new[] { "group_0", "group_1", "group_2" }), "equal settings share a group, numbered by first use");
        var g0 = groups["group_0"]!.AsObject();
        Assert.That(g0["targets"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "encoder.blocks.0.attn.qkv", "encoder.blocks.0.mlp.fc2" }));
        Assert.That(g0["input_activations"], Is.Null);
        var w0 = g0["weights"]!.AsObject();
        Assert.That(w0.Select(p => p.Key), Is.EqualTo(new[]
        {
            "actorder", "block_structure", "dynamic", "group_size", "num_bits", "observer", "observer_kwargs", "strategy", "symmetric", "type",
        }), "exactly QuantizationArgs' fields (compressed-tensors forbids extra keys)");
        Assert.That(((int?)w0["num_bits"], (string?)w0["strategy"], (int?)w0["group_size"], (bool?)w0["symmetric"]), Is.EqualTo((4, "group", 128, true)));
        Assert.That(((string?)w0["type"], (bool?)w0["dynamic"], (string?)w0["observer"], (string?)w0["actorder"]),
            Is.EqualTo(("int", false, "minmax", "weight")));

        var g1 = groups["group_1"]!.AsObject();
        var w1 = g1["weights"]!.AsObject();
        Assert.That(w1["group_size"], Is.Null, "no group size with strategy channel, whatever the settings carried");
        Assert.That(((string?)w1["strategy"], (bool?)w1["symmetric"], w1["actorder"]), Is.EqualTo(("channel", false, (JsonNode?)null)));
        var a1 = g1["input_activations"]!.AsObject();
        Assert.That(((string?)a1["strategy"], (bool?)a1["dynamic"], (int?)a1["num_bits"], (bool?)a1["symmetric"]), Is.EqualTo(("tensor", false, 8, false)));

        var a2 = groups["group_2"]!["input_activations"]!.AsObject();
        Assert.That(((string?)a2["strategy"], (bool?)a2["dynamic"], a2["observer"]), Is.EqualTo(("token", true, (JsonNode?)null)));
        Assert.That(groups["group_2"]!["weights"], Is.Null);

        var wmq = root["wmq"]!.AsObject();
        Assert.That(((int?)wmq["format_version"], (string?)wmq["method"], (string?)wmq["model_config"]), Is.EqualTo((2, "gptq", "name: tiny\n")));
        Assert.That(wmq["weight_scale_dtype"]!.ToJsonString(), Is.EqualTo("{\"group_0\":\"float16\",\"group_1\":\"float32\"}"));
        Assert.That(Encoding.UTF8.GetString(bytes), Does.EndWith("}\n").And.Not.Contain("\r"));
    }

    [Test]
    public void Config_json_reads_back_to_the_same_description_and_the_same_bytes()
    {
        var sample = Sample();
        byte[] bytes = sample.ToBytes();
        var parsed = ArtifactConfigFile.Parse(bytes, out string? error);
        Assert.That(error, Is.Null);
        Assert.That(parsed!.Quantization.Method, Is.EqualTo("gptq"));
        Assert.That(parsed.Quantization.Ignore, Is.EqualTo(sample.Quantization.Ignore));
        var normalized = sample.Quantization.Layers.Select(l => l with { Weights = ArtifactQuantizationConfig.Normalize(l.Weights) });
        Assert.That(parsed.Quantization.Layers, Is.EquivalentTo(normalized),
            "group by group; Load puts them back in model order");
        Assert.That(parsed.Normalization!.ProprioMean, Is.EqualTo(new[] { 32.0, 1e-7 }));
        Assert.That(parsed.Notes["source_model_sha256"], Is.EqualTo("abc"));
        Assert.That(parsed.ActOrder, Is.True);
        Assert.That(parsed.ToBytes(), Is.EqualTo(bytes));
    }

    [TestCase("rtn", "minmax")]
    [TestCase("omse", "mse")]
    [TestCase("awq", "mse")]
    [TestCase("unknown", null)]
    public void The_observer_names_how_the_method_chose_ranges_and_actorder_is_gptq_only(string method, string? observer)
    {
        var weights = JsonNode.Parse(Sample(method).ToBytes())!["quantization_config"]!["config_groups"]!["group_0"]!["weights"]!;
        Assert.That((string?)weights["observer"], Is.EqualTo(observer));
        Assert.That(weights["actorder"], Is.Null);
        var gptqWithout = JsonNode.Parse(Sample("gptq", actOrder: false).ToBytes())!["quantization_config"]!["config_groups"]!["group_0"]!["weights"]!;
        Assert.That(gptqWithout["actorder"], Is.Null);
    }

    [TestCase("quantization_config.config_groups.group_1.weights.group_size", "128", "group_size: 128 is given for strategy 'channel'")]
    [TestCase("quantization_config.config_groups.group_0.weights.group_size", "null", "group_0.weights.group_size: strategy 'group' needs a positive group_size")]
    [TestCase("quantization_config.config_groups.group_0.weights.num_bits", "9", "group_0.weights.num_bits: 9 is not 2..8")]
    [TestCase("quantization_config.config_groups.group_0.weights.type", "\"float\"", "group_0.weights.type: 'float' is not supported")]
    [TestCase("quantization_config.config_groups.group_0.weights.strategy", "\"block\"", "group_0.weights.strategy: 'block'")]
    [TestCase("quantization_config.config_groups.group_0.weights.actorder", "\"group\"", "group_0.weights.actorder: \"group\" needs a g_idx")]
    [TestCase("quantization_config.config_groups.group_0.weights.dynamic", "true", "group_0.weights.dynamic: true")]
    [TestCase("quantization_config.config_groups.group_2.input_activations.dynamic", "false", "strategy 'token' with dynamic false")]
    [TestCase("quantization_config.format", "\"naive-quantized\"", "format 'naive-quantized'")]
    [TestCase("wmq.weight_scale_dtype.group_1", "\"bfloat16\"", "wmq.weight_scale_dtype.group_1: 'bfloat16' is not float16 or float32")]
    [TestCase("wmq.format_version", "1", "wmq.format_version is 1; this tool reads 2")]
    [TestCase("wmq.normalization.action_std", "[1, \"x\"]", "wmq.normalization needs")]
    public void A_config_json_this_tool_cannot_rebuild_exactly_is_refused_naming_the_entry(string path, string value, string message)
    {
        var root = JsonNode.Parse(Sample().ToBytes())!;
        string[] parts = path.Split('.');
        var parent = parts[..^1].Aggregate(root, (node, key) => node[key]!);
        parent[parts[^1]] = JsonNode.Parse(value);
        Assert.That(ArtifactConfigFile.Parse(Encoding.UTF8.GetBytes(root.ToJsonString()), out string? error), Is.Null);
        Assert.That(error, Does.Contain(message));
    }

    [Test]
    public void A_layer_in_two_groups_and_a_config_without_wmq_facts_are_refused()
    {
        var root = JsonNode.Parse(Sample().ToBytes())!;
        root["quantization_config"]!["config_groups"]!["group_1"]!["targets"]!.AsArray().Add("encoder.blocks.0.attn.qkv");
        ArtifactConfigFile.Parse(Encoding.UTF8.GetBytes(root.ToJsonString()), out string? twice);
        Assert.That(twice, Does.Contain("layer 'encoder.blocks.0.attn.qkv' is the target of more than one config group"));

        root.AsObject().Remove("wmq");
        ArtifactConfigFile.Parse(Encoding.UTF8.GetBytes(root.ToJsonString()), out string? foreign);
        Assert.That(foreign, Does.Contain("no 'wmq' object"));
    }
}
