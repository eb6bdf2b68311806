using WmQuant.Models.Config;

namespace WmQuant.Tests.Models;

public class ModelConfigTests
{
    [TestCase("dinov2-vits14", 196, 14, 384, 3, 404)]
    [TestCase("reference-wall", 64, 16, 96, 1, 116)]
    [TestCase("reference-pusht", 64, 16, 96, 3, 116)]
    public void Shipped_configs_load_with_the_documented_shape(string name, int image, int patch, int dim, int numHist, int tokenDim)
    {
        var config = ModelTestSupport.Shipped(name);
        Assert.Multiple(() =>
        {
            Assert.That(config.Name, Is.EqualTo(name));
            Assert.That(config.ImageSize, Is.EqualTo(image));
            Assert.That(config.PatchSize, Is.EqualTo(patch));
            Assert.That(config.Encoder.Dim, Is.EqualTo(dim));
            Assert.That(config.NumHist, Is.EqualTo(numHist));
            Assert.That(config.TokenDim, Is.EqualTo(tokenDim));
        });
    }

    [Test]
    public void Full_size_config_matches_upstream_numbers()
    {
        var c = ModelTestSupport.Shipped("dinov2-vits14");
        Assert.Multiple(() =>
        {
            Assert.That((c.Encoder.Depth, c.Encoder.Heads, c.Encoder.MlpDim, c.Encoder.PosEmbedGrid), Is.EqualTo((12, 6, 1536, 37)));
            Assert.That(c.Encoder.LayerNormEps, Is.EqualTo(1e-6));
            Assert.That((c.Predictor.Depth, c.Predictor.Heads, c.Predictor.DimHead, c.Predictor.MlpDim), Is.EqualTo((6, 16, 64, 2048)));
            Assert.That(c.Predictor.LayerNormEps, Is.EqualTo(1e-5));
            Assert.That(c.PatchesPerFrame, Is.EqualTo(196));
            Assert.That(c.ActionInputDim, Is.EqualTo(10));
        });
    }

    [Test]
    public void Every_problem_of_a_bad_config_is_reported_at_once()
    {
        const string yaml = "image_size: 100\npatch_size: 14\nconcat_dim: 0\nnum_hist: 0\nencoder:\n  dim: 100\n  heads: 6\n";
        var result = WorldModelConfigYaml.Parse(yaml, "bad.yaml");
        Assert.That(result.Ok, Is.False);
        Assert.That(result.Problems, Has.Count.EqualTo(4));
        Assert.That(result.Problems, Has.Some.Contains("multiple of patch_size"));
        Assert.That(result.Problems, Has.Some.Contains("concat_dim 0"));
        Assert.That(result.Problems, Has.Some.Contains("num_hist"));
        Assert.That(result.Problems, Has.Some.Contains("divisible by heads"));
        Assert.That(result.Problems, Has.All.StartsWith("bad.yaml"));
    }

    [Test]
    public void Unknown_and_duplicate_keys_are_refused_with_a_position()
    {
        var unknown = WorldModelConfigYaml.Parse("name: x\nimage_sise: 64\n", "m.yaml");
        var duplicate = WorldModelConfigYaml.Parse("name: x\nname: y\n", "m.yaml");
        Assert.That(unknown.Ok, Is.False);
        Assert.That(unknown.Problems[0], Does.StartWith("m.yaml(2,"));
        Assert.That(duplicate.Ok, Is.False);
    }

    [Test]
    public void Serialized_config_parses_back_to_an_equal_config()
    {
        var original = ModelTestSupport.Shipped("reference-pusht");
        var again = WorldModelConfigYaml.Parse(WorldModelConfigYaml.Serialize(original));
        Assert.That(again.Problems, Is.Empty);
        Assert.That(again.Config, Is.EqualTo(original));
    }
}
