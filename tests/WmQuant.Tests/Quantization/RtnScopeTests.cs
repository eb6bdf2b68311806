using WmQuant.Models;
using WmQuant.Models.Config;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class RtnScopeTests
{
    private static WorldModelConfig Tiny() => new()
    {
        Name = "tiny",
        ImageSize = 16,
        PatchSize = 8,
        Encoder = new EncoderConfig { Dim = 32, Depth = 1, Heads = 2, MlpDim = 64, PosEmbedGrid = 2 },
        Predictor = new PredictorConfig { Depth = 1, Heads = 2, DimHead = 16, MlpDim = 64, Dropout = 0 },
        Decoder = new DecoderConfig { Enabled = false },
        NumHist = 1,
        ProprioDim = 2,
    };

    private static Dictionary<string, Tensor> Weights(DinoWorldModel model) =>
        model.NamedLinears().ToDictionary(l => l.Name, l => l.Layer.Weight.detach().clone());

    [Test]
    public void Scope_decides_which_linears_change_and_every_weight_lands_on_its_grid()
    {
        using var model = new DinoWorldModel(Tiny(), seed: 1);
        var before = Weights(model);
        var config = new WeightQuantConfig(4, WeightGranularity.PerChannel);
        using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, new ModelQuantizationPlan(Encoder: null, Predictor: config)).Unwrap();

        Assert.That(result.Layers.Where(l => l.Report.Weights is not null).Select(l => l.Name), Is.EquivalentTo(before.Keys.Where(n => n.StartsWith("predictor.", StringComparison.Ordinal))));
        foreach (var (name, layer) in model.NamedLinears())
        {
            bool changed = (before[name] - layer.Weight.detach()).abs().max().item<float>() > 0;
            Assert.That(changed, Is.EqualTo(name.StartsWith("predictor.", StringComparison.Ordinal)), name);
            if (changed)
            {
                // A 4-bit symmetric row holds at most 15 distinct values.
                var row = layer.Weight[0].detach();
                Assert.That(row.unique().Item1.shape[0], Is.LessThanOrEqualTo(15), name);
                Assert.That(allclose(layer.Weight, WeightQuantizer.FakeQuantize(layer.Weight.detach(), config)), Is.True, "fake-quant is idempotent");
            }
        }
    }

    [Test]
    public void Rollout_error_grows_as_bits_fall()
    {
        double Error(int bits)
        {
            using var reference = new DinoWorldModel(Tiny(), seed: 2);
            using var quantized = new DinoWorldModel(Tiny(), seed: 2);
            QuantModelTestSupport.Method("rtn").Apply(quantized, null, new ModelQuantizationPlan(new WeightQuantConfig(bits, WeightGranularity.PerChannel), new WeightQuantConfig(bits, WeightGranularity.PerChannel))).Unwrap().Dispose();
            using var scope = NewDisposeScope();
            var images = rand(new long[] { 4, 1, 3, 16, 16 }, generator: new Generator(3));
            var proprio = randn(new long[] { 4, 1, 2 }, generator: new Generator(4));
            var actions = randn(new long[] { 4, 3, 10 }, generator: new Generator(5));
            var a = reference.PredictFinal(reference.EncodeObservations(images, proprio), actions).Visual;
            var b = quantized.PredictFinal(quantized.EncodeObservations(images, proprio), actions).Visual;
            return (a - b).Pow(2).mean().item<float>();
        }

        double w8 = Error(8), w4 = Error(4), w3 = Error(3);
        TestContext.Out.WriteLine($"rollout MSE vs fp32: W8 {w8:E2}, W4 {w4:E2}, W3 {w3:E2}");
        Assert.That(w8, Is.GreaterThan(0));
        Assert.That(w8, Is.LessThan(w4));
        Assert.That(w4, Is.LessThan(w3));
    }

    [Test]
    public void Activation_plan_installs_a_per_token_transform_on_quantized_layers_only()
    {
        using var model = new DinoWorldModel(Tiny(), seed: 1);
        var plan = new ModelQuantizationPlan(new WeightQuantConfig(8, WeightGranularity.PerChannel), null, new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic));
        QuantModelTestSupport.Method("rtn").Apply(model, null, plan).Unwrap().Dispose();
        foreach (var (name, layer) in model.NamedLinears())
        {
            Assert.That(layer.InputTransform is not null, Is.EqualTo(name.StartsWith("encoder.", StringComparison.Ordinal)), name);
        }
    }
}
