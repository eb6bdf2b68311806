using WmQuant.Models;
using WmQuant.Models.Predictor;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Methods.OmniQuant;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Methods.SmoothQuant;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class OmniQuantTests
{
    private static readonly WeightQuantConfig W3Channel = new(3, WeightGranularity.PerChannel, symmetric: false);
    private static readonly WeightQuantConfig W4Channel = new(4, WeightGranularity.PerChannel);
    private static readonly ActivationQuantConfig A8PerToken = new(8, ActivationGranularity.PerTokenDynamic);
    private static readonly ActivationQuantConfig A6Static = new(6, ActivationGranularity.PerTensorStatic);

    /// <summary>A short schedule (4 sequences, 10 epochs) with larger steps than upstream's 2560 so it learns in seconds.</summary>
    private static readonly OmniQuantOptions Short = new() { Epochs = 10, Samples = 4, LwcLearningRate = 0.1, LetLearningRate = 0.02 };

    /// <summary>Just enough training to exercise every path.</summary>
    private static readonly OmniQuantOptions Quick = new() { Epochs = 2, Samples = 4 };

    [Test]
    public void Omniquant_lowers_its_block_loss_and_ends_at_or_below_its_initialisation()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 61, roughen: 62);
        using var calibration = Calibrate(model);
        var lines = new List<string>();
        using var result = new OmniQuantMethod(Short, lines.Add).Run(model, calibration, ModelQuantizationPlan.Study(W3Channel), out var blocks).Unwrap();
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, lines.Where(l => !l.Contains("epoch", StringComparison.Ordinal))));

        Assert.That(blocks.Select(b => b.Block), Is.EqualTo(TransformerBlock.Of(model).Select(b => b.Name)));
        Assert.That(lines, Has.Count.EqualTo(blocks.Count * (Short.Epochs + 1)), "a line per block and epoch, and a summary per block");
        foreach (var block in blocks)
        {
            TestContext.Out.WriteLine(
                $"{block.Block}: epoch 1 {block.EpochLosses[0]:E3}, epoch {block.EpochLosses.Count} {block.EpochLosses[^1]:E3} "
                + $"(x{block.EpochLosses[^1] / block.EpochLosses[0]:F2}); RTN {block.RtnLoss:E3}, SmoothQuant {block.SmoothQuantLoss:E3}, "
                + $"kept {block.FinalLoss:E3}");
            Assert.That(block.EpochLosses, Has.Count.EqualTo(Short.Epochs), block.Block);
            Assert.That(block.EpochLosses[^1], Is.LessThan(block.EpochLosses[0] * 0.9), $"{block.Block}: last epoch vs first");
            Assert.That(block.FinalLoss, Is.LessThanOrEqualTo(Math.Min(block.SmoothQuantLoss, block.RtnLoss)), block.Block);
            Assert.That(block.Chosen, Is.EqualTo(BlockVariant.Learned), block.Block);
            Assert.That(block.FinalLoss, Is.LessThan(block.RtnLoss * 0.9), $"{block.Block}: clearly below RTN");
        }
    }

    [Test]
    public void Block_forward_matches_the_folded_and_quantized_modules()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 63, roughen: 64);
        using var calibration = Calibrate(model);
        var generator = new Generator(65);
        foreach (var plan in new[]
        {
            ModelQuantizationPlan.Study(new WeightQuantConfig(WeightQuantConfig.BypassBits, WeightGranularity.PerChannel)),
            ModelQuantizationPlan.Study(W4Channel, A8PerToken),
            ModelQuantizationPlan.Study(W4Channel, A6Static),
        })
        {
            using var copy = WeightOnlyTestSupport.RoughTiny(seed: 63, roughen: 64);
            var scope = plan.Resolve(copy);
            foreach (var block in TransformerBlock.Of(copy).Where(b => b.Name.EndsWith(".0", StringComparison.Ordinal)))
            {
                using var tensors = NewDisposeScope();
                long tokens = block.IsPredictor ? copy.Config.PatchesPerFrame : 1 + copy.Config.PatchesPerFrame;
                var x = randn([3, tokens, block.Norm1.weight!.shape[0]], generator: generator);
                var mask = block.IsPredictor ? FrameCausalMask.Build(1, tokens) : null;
                using var noGrad = no_grad();
                var before = block.Forward(x, mask);
                using var state = new OmniQuantBlock(block, scope, calibration);
                bool quantized = !scope[block.Qkv.FullName].IsFloat;
                foreach (var group in block.Groups)
                {
                    long width = group.Linears[0].InFeatures;
                    var shift = group.CanShift ? randn([width], generator: generator).Mul(0.1) : null;
                    state.AddLet(group, rand([width], generator: generator).Add(0.5), shift);
                }

                foreach (var linear in block.Linears.Where(l => scope[l.FullName].Weights is not null))
                {
                    state.AddLwc(linear, 1.5);
                }

                var functional = state.Forward(x, mask, BlockVariant.Learned);
                var (transforms, codes) = state.Apply(BlockVariant.Learned);
                var transformOf = new Dictionary<string, ChannelTransform?>
                {
                    [block.Qkv.FullName] = transforms.GetValueOrDefault(SmoothingSite.Qkv),
                    [block.Proj.FullName] = transforms.GetValueOrDefault(SmoothingSite.Proj),
                    [block.Fc1.FullName] = transforms.GetValueOrDefault(SmoothingSite.Fc1),
                };
                foreach (var linear in quantized ? block.Linears : [])
                {
                    var record = SmoothedLayers.Quantize(
                        "test", scope[linear.FullName], linear, calibration.TryGet(linear.FullName)!, transformOf.GetValueOrDefault(linear.FullName),
                        codes[linear].Codes, "test", codes[linear].MeanClip);
                    Assert.That(QuantModelTestSupport.Identical(linear.Weight.detach(), WeightQuantizer.Dequantize(record.Codes!)), Is.True);
                }

                var after = block.Forward(x, mask);
                double difference = WeightOnlyTestSupport.RelativeError(after, functional);
                TestContext.Out.WriteLine($"{plan.Encoder}, {plan.Activations}, {block.Name}: rel diff module vs functional {difference:E2}");
                Assert.That(difference, Is.LessThan(quantized ? 1e-4 : 1e-10), block.Name);
                if (!quantized)
                {
                    Assert.That(WeightOnlyTestSupport.MaxRelativeDifference(before, after), Is.LessThan(1e-5), "the folds keep the float block");
                }

                foreach (var transform in transforms.Values)
                {
                    transform.Dispose();
                }
            }
        }
    }

    [Test]
    public void Omniquant_model_packs_and_reloads_bit_identically_and_is_deterministic()
    {
        using var temp = new TempDirectory();
        string folder = temp.Path;
        var plan = ModelQuantizationPlan.Study(W4Channel, A6Static);
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 66, roughen: 67);
        using var twin = WeightOnlyTestSupport.RoughTiny(seed: 66, roughen: 67);
        using var rtnModel = WeightOnlyTestSupport.RoughTiny(seed: 66, roughen: 67);
        var inputs = WeightOnlyTestSupport.WallInputs(model.Config);
        var fp = QuantModelTestSupport.Outputs(model, inputs);
        using var calibration = Calibrate(model);
        using var result = new OmniQuantMethod(Quick).Apply(model, calibration, plan).Unwrap();
        using var again = new OmniQuantMethod(Quick).Apply(twin, calibration, plan).Unwrap();
        using var rtn = QuantModelTestSupport.Method("rtn").Apply(rtnModel, calibration, plan).Unwrap();

        // Same seed and data: the same weights and input quantizers, bit for bit.
        var twinParameters = WeightOnlyTestSupport.Parameters(twin);
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.That(QuantModelTestSupport.Identical(parameter.detach(), twinParameters[name]), Is.True, name);
        }

        var parameters = result.Layers.Select(l => l.InputQuantizer?.StaticParameters);
        Assert.That(parameters, Is.EqualTo(again.Layers.Select(l => l.InputQuantizer?.StaticParameters)));

        Assert.That(result.Method, Is.EqualTo("omniquant"));
        Assert.That(result.Reports.Select(r => r.Layer), Is.EqualTo(model.NamedQuantizableLayers().Select(l => l.Name)));
        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer);
        foreach (var record in result.Quantized)
        {
            var weight = layers[record.Name].WeightMatrix.detach();
            Assert.That(QuantModelTestSupport.Identical(weight, WeightQuantizer.Dequantize(record.Codes!)), Is.True, record.Name);
            Assert.That(record.Report.Weights!.Method, Is.EqualTo("omniquant"));
            Assert.That(record.Report.Activations!.Parameters, Is.Not.Null, record.Name);
            Assert.That(record.Report.OutputMse, Is.GreaterThan(0), record.Name);
        }

        var quantized = QuantModelTestSupport.Outputs(model, inputs);
        var rounded = QuantModelTestSupport.Outputs(rtnModel, inputs);
        WeightOnlyTestSupport.AssertCloserThanRtn(fp, quantized, rounded, "OmniQuant", "W4A6 static", factor: 1, rollout: false);

        string path = Path.Combine(folder, "model.safetensors");
        QuantModelTestSupport.AssertReloadsBitIdentically(path, model, result, "omniquant", inputs, quantized);
    }

    [Test]
    public void Omniquant_refuses_missing_calibration_or_block_inputs_and_bad_options_without_touching_the_model()
    {
        using var model = WeightOnlyTestSupport.RoughTiny(seed: 68, roughen: 69);
        using var withoutBlocks = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 1));
        var before = WeightOnlyTestSupport.Parameters(model);
        var plan = ModelQuantizationPlan.Study(W4Channel, A8PerToken);
        var method = new OmniQuantMethod(new OmniQuantOptions());

        Assert.That(method.Apply(model, null, plan).Error!.Code, Is.EqualTo(QuantizationError.CalibrationRequired));
        var noBlocks = method.Apply(model, withoutBlocks, plan);
        Assert.That(noBlocks.Error!.Code, Is.EqualTo(QuantizationError.CalibrationMismatch));
        Assert.That(noBlocks.Error.Message, Does.Contain("encoder.blocks.0").And.Contain("block input samples"));
        foreach (var options in new[]
        {
            new OmniQuantOptions { Epochs = -1 }, new OmniQuantOptions { Samples = 0 }, new OmniQuantOptions { BatchSize = 0 },
            new OmniQuantOptions { LwcLearningRate = 0 }, new OmniQuantOptions { LetLearningRate = double.NaN },
            new OmniQuantOptions { Alpha = 1.5 }, new OmniQuantOptions { WeightDecay = -0.1 }, new OmniQuantOptions { LwcInit = 21 },
        })
        {
            var outcome = new OmniQuantMethod(options).Apply(model, withoutBlocks, plan);
            Assert.That(outcome.Error!.Code, Is.EqualTo(QuantizationError.InvalidRequest), options.ToString());
        }

        WeightOnlyTestSupport.AssertUnchanged(model, before);

        var definition = QuantizationMethodRegistry.Builtin.Find("omniquant")!;
        Assert.That(definition.WeightOnly, Is.False);
        Assert.That(definition.RequiresCalibration, Is.True);
        Assert.That(definition.Create(definition.DefaultOptions()), Is.InstanceOf<IBlockWiseMethod>().With.Property("BlockInputSamples").EqualTo(128));
        Assert.That(() => definition.BindOptions(new Dictionary<string, object> { ["lwc_learning_rate"] = 0.0 }), Throws.ArgumentException);
        var bound = (OmniQuantOptions)definition.BindOptions(new Dictionary<string, object> { ["epochs"] = 5L, ["let_shift"] = false });
        Assert.That(bound, Is.EqualTo(new OmniQuantOptions { Epochs = 5, LetShift = false }));
    }

    [Test]
    public void Predictor_sequences_are_split_over_window_lengths_in_proportion_to_their_use()
    {
        using var sample = new BlockInputSample(capacity: 8);
        sample.Observe("p", zeros(10, 4, 2));
        sample.Observe("p", zeros(10, 8, 2));
        sample.Observe("p", zeros(30, 12, 2));
        Assert.That(OmniQuantMethod.Quotas(sample.Of("p"), 10), Is.EqualTo(new[] { 2, 2, 6 }));
        Assert.That(OmniQuantMethod.Quotas(sample.Of("p"), 32), Is.EqualTo(new[] { 7, 6, 8 }), "at most what was kept");
        Assert.That(OmniQuantMethod.Quotas(sample.Of("p"), 1), Is.EqualTo(new[] { 0, 0, 1 }));
    }

    private static CalibrationSet Calibrate(DinoWorldModel model) =>
        QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(reservoir: 128) with { BlockInputSamples = 4 });
}
