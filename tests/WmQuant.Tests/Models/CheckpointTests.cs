using TorchSharp;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

public class CheckpointTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "wmq-model-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Save_then_load_gives_identical_outputs()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 31);
        var path = Path.Combine(_folder, "reference-pusht.safetensors");
        WorldModelCheckpoint.Save(model, path);
        Assert.That(File.Exists(WorldModelCheckpoint.ConfigPathFor(path)), Is.True);

        var loaded = WorldModelCheckpoint.LoadModel(path);
        Assert.That(loaded.Problems, Is.Empty);
        using var copy = loaded.Model!;
        var images = rand([2, 3, 3, 64, 64], generator: new Generator(1));
        var proprio = randn([2, 3, 4], generator: new Generator(2));
        var actions = randn([2, 5, 10], generator: new Generator(3));
        var a = model.Rollout(model.EncodeObservations(images, proprio), actions);
        var b = copy.Rollout(copy.EncodeObservations(images, proprio), actions);
        Assert.That(ModelTestSupport.Identical(a.Visual, b.Visual), Is.True);
        Assert.That(ModelTestSupport.Identical(a.Proprio, b.Proprio), Is.True);

        // A different seed gives a different model, so the equality above is not vacuous.
        using var other = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 32);
        var c = other.Rollout(other.EncodeObservations(images, proprio), actions);
        Assert.That(ModelTestSupport.Identical(a.Visual, c.Visual), Is.False);
    }

    [Test]
    public void Config_is_recovered_from_metadata_when_the_yaml_is_absent()
    {
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-wall"), seed: 33);
        var path = Path.Combine(_folder, "w.safetensors");
        WorldModelCheckpoint.Save(model, path, writeConfigBeside: false);
        var loaded = WorldModelCheckpoint.LoadModel(path);
        Assert.That(loaded.Problems, Is.Empty);
        using var copy = loaded.Model!;
        Assert.That(copy.Config, Is.EqualTo(model.Config));
    }

    [Test]
    public void Bad_checkpoint_is_refused_with_every_problem_listed_and_the_model_untouched()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Tiny(), seed: 34);
        var stateDict = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        stateDict["predictor.pos_embedding"] = zeros(1, 9, 33);
        stateDict["encoder.blocks.0.attn.qkv.weight"] = zeros(24, 24);
        stateDict.Remove("encoder.mask_token");
        stateDict.Remove("action_encoder.patch_embed.bias");
        stateDict["encoder.head.weight"] = zeros(3);
        stateDict["encoder.norm.weight"] = ones(24);

        using var target = new DinoWorldModel(ModelTestSupport.Tiny(), seed: 35);
        var before = target.Encoder.Norm.weight!.clone();
        var problems = WorldModelCheckpoint.Apply(target, stateDict);

        Assert.That(problems, Has.Count.EqualTo(5));
        Assert.That(problems, Has.One.Contains("wrong shape for 'predictor.pos_embedding'").And.Contains("[1, 9, 33]").And.Contains("[1, 12, 33]"));
        Assert.That(problems, Has.One.Contains("wrong shape for 'encoder.blocks.0.attn.qkv.weight'"));
        Assert.That(problems, Has.One.Contains("missing key 'encoder.mask_token'"));
        Assert.That(problems, Has.One.Contains("missing key 'action_encoder.patch_embed.bias'"));
        Assert.That(problems, Has.One.Contains("unexpected key 'encoder.head.weight'"));
        Assert.That(ModelTestSupport.Identical(target.Encoder.Norm.weight!, before), Is.True, "nothing copied from a refused checkpoint");
    }

    [Test]
    public void Refused_file_names_the_file_and_optional_groups_may_be_absent()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Tiny(), seed: 36);
        var withoutDecoder = model.state_dict().Where(kv => !kv.Key.StartsWith("decoder.", StringComparison.Ordinal)).ToDictionary();
        var path = Path.Combine(_folder, "no-decoder.safetensors");
        WmQuant.IO.Safetensors.SafetensorsTorch.Save(path, withoutDecoder);

        using var target = new DinoWorldModel(ModelTestSupport.Tiny(), seed: 37);
        var strict = WorldModelCheckpoint.Load(target, path);
        Assert.That(strict, Is.Not.Empty);
        Assert.That(strict, Has.All.StartsWith(path).And.All.Contains("missing key 'decoder."));

        var lenient = WorldModelCheckpoint.Load(target, path, new HashSet<ModuleGroup> { ModuleGroup.Decoder });
        Assert.That(lenient, Is.Empty);
        Assert.That(ModelTestSupport.Identical(target.Encoder.PosEmbed, model.Encoder.PosEmbed), Is.True);

        Assert.That(WorldModelCheckpoint.Load(target, Path.Combine(_folder, "absent.safetensors")), Has.One.Contains("not found"));
        File.WriteAllText(Path.Combine(_folder, "junk.safetensors"), "not a checkpoint");
        Assert.That(WorldModelCheckpoint.Load(target, Path.Combine(_folder, "junk.safetensors")), Has.One.Contains("not a readable safetensors file"));
    }

    [Test]
    public void Bf16_checkpoint_loads_into_an_fp32_model()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Tiny(), seed: 38);
        var bf16 = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.BFloat16));
        using var target = new DinoWorldModel(ModelTestSupport.Tiny(), seed: 39);
        Assert.That(WorldModelCheckpoint.Apply(target, bf16), Is.Empty);
        Assert.That(target.Dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(target.Encoder.PosEmbed.allclose(model.Encoder.PosEmbed, rtol: 1e-2, atol: 1e-3), Is.True);
    }
}
