using WmQuant.Diagnostics;
using WmQuant.Models;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Tests.Quantization;

public class ScopingTests
{
    private static readonly WeightQuantConfig W4 = new(4, WeightGranularity.PerGroup);
    private static readonly WeightQuantConfig W8 = new(8, WeightGranularity.PerChannel);
    private static readonly ActivationQuantConfig A8 = new(8, ActivationGranularity.PerTokenDynamic);

    [TestCase("predictor.transformer.layers.0.*", "predictor.transformer.layers.0.0.to_qkv", true)]
    [TestCase("predictor.transformer.layers.0.*", "predictor.transformer.layers.1.0.to_qkv", false)]
    [TestCase("predictor.transformer.layers.0", "predictor.transformer.layers.0.1.net.1", true)]
    [TestCase("predictor.transformer.layers.1", "predictor.transformer.layers.10.0.to_qkv", false)]
    [TestCase("*.mlp.fc2", "encoder.blocks.2.mlp.fc2", true)]
    [TestCase("*.mlp.fc2", "encoder.blocks.2.mlp.fc1", false)]
    [TestCase("*.mlp", "encoder.blocks.2.mlp.fc1", true)]
    [TestCase("encoder.blocks.?.attn.qkv", "encoder.blocks.1.attn.qkv", true)]
    [TestCase("encoder.blocks.?.attn.qkv", "encoder.blocks.11.attn.qkv", false)]
    [TestCase("*", "decoder.conv_in", true)]
    [TestCase("encoder.blocks.0.attn.qkv", "encoder.blocks.0.attn.qkv", true)]
    public void Globs_match_whole_names_or_module_prefixes(string pattern, string layer, bool expected)
    {
        Assert.That(LayerSelector.Glob(pattern).Matches(layer), Is.EqualTo(expected));
    }

    [Test]
    public void Group_names_parse_as_groups_and_anything_else_as_globs()
    {
        Assert.That(LayerSelector.Parse("action_encoder").ModuleGroup, Is.EqualTo(ModuleGroup.ActionEncoder));
        Assert.That(LayerSelector.Parse("encoder").Matches("encoder.blocks.0.attn.qkv"), Is.True);
        Assert.That(LayerSelector.Parse("encoder").Matches("action_encoder.patch_embed"), Is.False);
        Assert.That(LayerSelector.Parse("encoder.*").Pattern, Is.EqualTo("encoder.*"));
        Assert.Throws<ArgumentException>(() => LayerSelector.Parse(" "));
    }

    [Test]
    public void Study_default_quantizes_encoder_and_predictor_linears_and_reports_the_rest_as_float()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 1);
        var scope = ModelQuantizationPlan.Study(W4, A8).Resolve(model);
        var linears = model.NamedLinears().Select(l => l.Name).ToList();
        Assert.That(scope.Quantized.Select(l => l.Name), Is.EqualTo(linears));
        Assert.That(scope.Quantized.All(l => l.Weights == W4 && l.Activations == A8), Is.True);
        Assert.That(scope.Float.Select(l => l.Name), Is.EqualTo(new[] { "action_encoder.patch_embed", "proprio_encoder.patch_embed" }));
        Assert.That(scope.Float.All(l => l.Describe() == "float"), Is.True);
        Assert.That(scope["action_encoder.patch_embed"].InFeatures, Is.EqualTo(10));
        Assert.That(scope.UnmatchedRules, Is.Empty);
    }

    [Test]
    public void Later_rules_win_and_set_both_weights_and_activations()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 1);
        var plan = new ModelQuantizationPlan(W8, W4)
            .With(new QuantScopeRule(LayerSelector.Glob("*.mlp.fc2"), W4, A8))
            .With(new QuantScopeRule(LayerSelector.Glob("encoder.blocks.1.*"), new WeightQuantConfig(3, WeightGranularity.PerChannel), null))
            .With(QuantScopeRule.Float(LayerSelector.Glob("predictor.transformer.layers.0.0.to_qkv")))
            .With(new QuantScopeRule(LayerSelector.Group(ModuleGroup.ProprioEncoder), W8, null))
            .With(new QuantScopeRule(LayerSelector.Glob("encoder.blocks.0.mlp.fc1"), new WeightQuantConfig(WeightQuantConfig.BypassBits, WeightGranularity.PerChannel), A8))
            .With(new QuantScopeRule(LayerSelector.Glob("predictor.layers.*"), W8, null, new SourcePosition("quantize.yaml", 9, 5)));
        var scope = plan.Resolve(model);
        Assert.That(scope["encoder.blocks.0.attn.qkv"].Weights, Is.EqualTo(W8));
        Assert.That(scope["encoder.blocks.0.mlp.fc2"].Weights, Is.EqualTo(W4));
        Assert.That(scope["encoder.blocks.0.mlp.fc2"].Activations, Is.EqualTo(A8));
        Assert.That(scope["encoder.blocks.1.mlp.fc2"].Weights!.Bits, Is.EqualTo(3), "the later block rule replaces the fc2 rule");
        Assert.That(scope["encoder.blocks.1.mlp.fc2"].Activations, Is.Null);
        Assert.That(scope["predictor.transformer.layers.0.0.to_qkv"].IsFloat, Is.True);
        Assert.That(scope["predictor.transformer.layers.1.0.to_qkv"].Weights, Is.EqualTo(W4));
        Assert.That(scope["proprio_encoder.patch_embed"].Weights, Is.EqualTo(W8));
        Assert.That(scope["encoder.blocks.0.mlp.fc1"].Weights, Is.Null, "16 bits means float weights");
        Assert.That(scope["encoder.blocks.0.mlp.fc1"].Activations, Is.EqualTo(A8), "activation-only quantization");
        Assert.That(scope.UnmatchedRules.Single().Position!.Value.Format(), Is.EqualTo("quantize.yaml(9,5)"));
        Assert.That(plan.WeightsFor("predictor.transformer.layers.0.0.to_qkv"), Is.Null);
    }
}
