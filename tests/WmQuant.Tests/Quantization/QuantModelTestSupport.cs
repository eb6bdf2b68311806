using WmQuant.Environments.Wall;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Tests.Models;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

/// <summary>Models, environments and calibration for the model-level quantization tests.</summary>
internal static class QuantModelTestSupport
{
    /// <summary>A Wall-shaped model small enough to plan with in tests; encoder fc2 (160 inputs) and predictor net.4 (144) have partial second groups at G 128.</summary>
    public static WorldModelConfig Tiny() => new()
    {
        Name = "tiny-quant",
        ImageSize = 16,
        PatchSize = 8,
        Encoder = new EncoderConfig { Dim = 32, Depth = 2, Heads = 2, MlpDim = 160, PosEmbedGrid = 2 },
        Predictor = new PredictorConfig { Depth = 2, Heads = 2, DimHead = 16, MlpDim = 144, Dropout = 0 },
        Decoder = new DecoderConfig { Enabled = true, Channels = 4, Upsamplings = 1 },
        NumHist = 1,
        ProprioDim = 2,
    };

    public static string WallModelPath => Path.Combine(ModelTestSupport.RepositoryRoot, "models", "wall", "model.safetensors");

    /// <summary>The bundled Wall model (whatever weights it has today).</summary>
    public static DinoWorldModel LoadWall()
    {
        var loaded = WorldModelCheckpoint.LoadModel(WallModelPath);
        Assert.That(loaded.Problems, Is.Empty);
        return loaded.Model!;
    }

    public static EnvironmentEpisodeBatch Environments(WorldModelConfig config) =>
        new(() => new WallEnvironment(imageSize: config.ImageSize), config.Frameskip);

    /// <summary>Calibration settings small enough for a unit test (a few episodes, one short CEM).</summary>
    public static CalibrationSettings SmallCalibration(int episodes = 3, int iterations = 1, int reservoir = 64) => new(
        "wall",
        new PlanningNormalization([0f, 0f], [0.4f, 0.4f], [32f, 32f], [16f, 16f]),
        new CemSettings(Horizon: 2, Samples: 6, TopK: 2, OptSteps: 2),
        Episodes: episodes,
        MpcIterations: iterations,
        ReservoirCapacity: reservoir,
        ReservoirSeed: 5);

    /// <summary>Runs the FP planner on a few calibration episodes and returns the statistics.</summary>
    public static CalibrationSet Calibrate(DinoWorldModel model, CalibrationSettings? settings = null) =>
        PlanningCalibrator.Run(model, settings ?? SmallCalibration(), Environments(model.Config));

    /// <summary>Fixed inputs for output comparisons: images, proprio and an action sequence (horizon 3).</summary>
    public static (Tensor Images, Tensor Proprio, Tensor Actions) Inputs(WorldModelConfig config, int batch = 3, long seed = 11)
    {
        var generator = new Generator((ulong)seed);
        var images = rand([batch, 1, 3, config.ImageSize, config.ImageSize], generator: generator);
        var proprio = randn([batch, 1, config.ProprioDim], generator: generator);
        var actions = randn([batch, 3, config.ActionInputDim], generator: generator);
        return (images, proprio, actions);
    }

    /// <summary>Encoder output and a 3-step rollout of a model on fixed inputs.</summary>
    public static (Tensor Visual, Tensor Proprio, Tensor Rollout) Outputs(DinoWorldModel model, (Tensor Images, Tensor Proprio, Tensor Actions) inputs)
    {
        using var noGrad = no_grad();
        var start = model.EncodeObservations(inputs.Images, inputs.Proprio);
        var rollout = model.Rollout(start, inputs.Actions);
        return (start.Visual, start.Proprio, rollout.Visual);
    }

    /// <summary>Same dtype, shape and values (torch.equal; TorchSharp's Tensor.equal is element-wise).</summary>
    /// <summary>A built-in method with its default options, as recipes build it.</summary>
    public static IModelQuantizationMethod Method(string name)
    {
        var definition = QuantizationMethodRegistry.Builtin.Find(name) ?? throw new ArgumentException($"no method '{name}'", nameof(name));
        return definition.Create(definition.DefaultOptions());
    }

    /// <summary>
    /// Writes <paramref name="model"/> as an artifact at <paramref name="path"/>, loads it back and asserts that it is the
    /// same model: no load problems, <paramref name="method"/> recorded, encoder and rollout outputs bit-identical to
    /// <paramref name="quantized"/> (the outputs of the in-memory quantized model on <paramref name="inputs"/>).
    /// </summary>
    public static void AssertReloadsBitIdentically(
        string path,
        DinoWorldModel model,
        ModelQuantizationResult result,
        string method,
        (Tensor Images, Tensor Proprio, Tensor Actions) inputs,
        (Tensor Visual, Tensor Proprio, Tensor Rollout) quantized)
    {
        QuantizedModelArtifact.Write(path, model, result);
        var loaded = QuantizedModelArtifact.Load(path);
        Assert.That(loaded.Problems, Is.Empty);
        Assert.That(loaded.Config!.Method, Is.EqualTo(method));
        using var reloaded = loaded.Model!;
        var again = Outputs(reloaded, inputs);
        Assert.That(Identical(again.Visual, quantized.Visual), Is.True, "encoder output");
        Assert.That(Identical(again.Rollout, quantized.Rollout), Is.True, "rollout");
    }

    public static bool Identical(Tensor a, Tensor b) => a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
