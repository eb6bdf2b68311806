using WmQuant.Models;

namespace WmQuant.Tests.Models;

public class ParameterCountTests
{
    [Test]
    public void Full_size_model_has_the_upstream_parameter_counts()
    {
        using var model = DinoWorldModel.CreateForLoading(ModelTestSupport.Shipped("dinov2-vits14"));
        Assert.Multiple(() =>
        {
            Assert.That(model.ParameterCount(ModuleGroup.Encoder), Is.EqualTo(22_056_576));
            Assert.That(model.ParameterCount(ModuleGroup.Predictor), Is.EqualTo(20_122_600));
            Assert.That(model.ParameterCount(ModuleGroup.ActionEncoder), Is.EqualTo(110));
            Assert.That(model.ParameterCount(ModuleGroup.ProprioEncoder), Is.EqualTo(50));
        });
    }

    [Test]
    public void State_dict_names_are_the_upstream_names()
    {
        using var model = new DinoWorldModel(ModelTestSupport.Tiny());
        var shapes = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var expected = new Dictionary<string, long[]>
        {
            ["encoder.patch_embed.proj.weight"] = [24, 3, 8, 8],
            ["encoder.patch_embed.proj.bias"] = [24],
            ["encoder.cls_token"] = [1, 1, 24],
            ["encoder.mask_token"] = [1, 24],
            ["encoder.pos_embed"] = [1, 5, 24],
            ["encoder.blocks.1.norm1.weight"] = [24],
            ["encoder.blocks.1.attn.qkv.weight"] = [72, 24],
            ["encoder.blocks.1.attn.qkv.bias"] = [72],
            ["encoder.blocks.1.attn.proj.weight"] = [24, 24],
            ["encoder.blocks.1.ls1.gamma"] = [24],
            ["encoder.blocks.1.norm2.bias"] = [24],
            ["encoder.blocks.1.mlp.fc1.weight"] = [40, 24],
            ["encoder.blocks.1.mlp.fc2.bias"] = [24],
            ["encoder.blocks.1.ls2.gamma"] = [24],
            ["encoder.norm.weight"] = [24],
            ["predictor.pos_embedding"] = [1, 12, 33],
            ["predictor.transformer.layers.1.0.norm.weight"] = [33],
            ["predictor.transformer.layers.1.0.to_qkv.weight"] = [48, 33],
            ["predictor.transformer.layers.1.0.to_out.0.weight"] = [33, 16],
            ["predictor.transformer.layers.1.0.to_out.0.bias"] = [33],
            ["predictor.transformer.layers.0.1.net.0.weight"] = [33],
            ["predictor.transformer.layers.0.1.net.1.weight"] = [36, 33],
            ["predictor.transformer.layers.0.1.net.4.weight"] = [33, 36],
            ["predictor.transformer.norm.bias"] = [33],
            ["action_encoder.patch_embed.weight"] = [5, 4, 1],
            ["action_encoder.patch_embed.bias"] = [5],
            ["proprio_encoder.patch_embed.weight"] = [4, 3, 1],
            ["decoder.conv_in.weight"] = [8, 24, 3, 3],
            ["decoder.ups.2.weight"] = [8, 8, 4, 4],
            ["decoder.conv_out.weight"] = [3, 8, 3, 3],
        };
        foreach (var (name, shape) in expected)
        {
            Assert.That(shapes, Does.ContainKey(name), name);
            Assert.That(shapes[name], Is.EqualTo(shape), name);
        }

        Assert.That(shapes.Keys, Has.None.Contains("to_qkv.bias"));
        Assert.That(shapes.Keys.Where(k => ModuleGroups.Of(k) is null), Is.Empty);
    }

    [Test]
    public void Named_linears_cover_every_quantizable_layer_with_full_names_and_groups()
    {
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"));
        var linears = model.NamedLinears().ToList();
        // 3 encoder blocks × (qkv, proj, fc1, fc2) + 3 predictor layers × (to_qkv, to_out.0, net.1, net.4).
        Assert.That(linears, Has.Count.EqualTo(24));
        Assert.That(linears.Select(l => l.Name), Does.Contain("predictor.transformer.layers.0.0.to_qkv"));
        Assert.That(linears.Select(l => l.Name), Does.Contain("predictor.transformer.layers.2.1.net.4"));
        Assert.That(linears.Select(l => l.Name), Does.Contain("encoder.blocks.2.mlp.fc1"));
        Assert.That(linears.All(l => l.Layer.FullName == l.Name), Is.True);
        Assert.That(linears.Count(l => ModuleGroups.Of(l.Name) == ModuleGroup.Encoder), Is.EqualTo(12));
        Assert.That(linears.Count(l => ModuleGroups.Of(l.Name) == ModuleGroup.Predictor), Is.EqualTo(12));
    }
}
