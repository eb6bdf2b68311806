using WmQuant.Models.Config;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

/// <summary>Configs shared by the model tests: the shipped YAMLs and a tiny one for exact checks.</summary>
internal static class ModelTestSupport
{
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WmQuantPipeline.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found above the test directory");
        }
    }

    /// <summary>Same shape and bit-identical values (TorchSharp's Tensor.equal is element-wise).</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static string ConfigPath(string name) => Path.Combine(RepositoryRoot, "models", "configs", name + ".yaml");

    public static WorldModelConfig Shipped(string name)
    {
        var result = WorldModelConfigYaml.Load(ConfigPath(name));
        Assert.That(result.Problems, Is.Empty);
        return result.Config!;
    }

    /// <summary>Two encoder blocks, two predictor layers, 2×2 patches: small enough to check by hand-written algebra.</summary>
    public static WorldModelConfig Tiny(int numHist = 3) => new()
    {
        Name = "tiny",
        ImageSize = 16,
        PatchSize = 8,
        Encoder = new EncoderConfig { Dim = 24, Depth = 2, Heads = 3, MlpDim = 40, PosEmbedGrid = 2, LayerScaleInit = 0.7 },
        Predictor = new PredictorConfig { Depth = 2, Heads = 2, DimHead = 8, MlpDim = 36, Dropout = 0.1 },
        Decoder = new DecoderConfig { Enabled = true, Channels = 8, Upsamplings = 3 },
        NumHist = numHist,
        Frameskip = 2,
        ActionDim = 2,
        ActionEmbDim = 5,
        ProprioDim = 3,
        ProprioEmbDim = 4,
    };
}
