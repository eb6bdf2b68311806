using TorchSharp.Modules;
using WmQuant.Environments.Wall;
using WmQuant.Models;
using WmQuant.Models.Config;
using WmQuant.Runtime;
using WmQuant.Tests.Support;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

/// <summary>
/// A LayerNorm → Linear pair fed by correlated tokens whose normalised inputs have a few outlier channels (γ ×20–50),
/// with separate fitting and held-out token sets: the synthetic case AWQ and GPTQ are measured on.
/// </summary>
internal sealed class SyntheticNormLinear : IDisposable
{
    public const long Inputs = 320;
    public const long Outputs = 192;
    public const int OutlierChannels = 8;

    private SyntheticNormLinear(LayerNorm norm, QuantizableLinear linear, Tensor fitRaw, Tensor heldOutRaw)
    {
        Norm = norm;
        Linear = linear;
        FitRaw = fitRaw;
        HeldOutRaw = heldOutRaw;
    }

    /// <summary>The norm (γ with outlier channels, random β).</summary>
    public LayerNorm Norm { get; }

    /// <summary>The Linear [Outputs, Inputs] with a bias, named "synthetic.fc".</summary>
    public QuantizableLinear Linear { get; }

    /// <summary>Pre-norm tokens the methods fit on.</summary>
    public Tensor FitRaw { get; }

    /// <summary>Pre-norm tokens errors are measured on (never seen by a method).</summary>
    public Tensor HeldOutRaw { get; }

    /// <summary>
    /// Builds the pair; <paramref name="tokens"/> tokens each for fitting and for measuring. The outlier channels' gains
    /// span <paramref name="outlierGain"/>·[0.4, 1] (20–50 by default; 1 gives no outliers).
    /// </summary>
    public static SyntheticNormLinear Create(long seed, long tokens = 1024, double outlierGain = 50)
    {
        // Modules first: their parameters must outlive the dispose scope below.
        var norm = nn.LayerNorm(Inputs, 1e-6);
        var linear = new QuantizableLinear(Inputs, Outputs) { FullName = "synthetic.fc" };
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var mixing = eye(Inputs).Mul(0.5).Add(randn([Inputs, Inputs], generator: generator).Div(Math.Sqrt(Inputs)));
        Tensor Raw() => randn([tokens, Inputs], generator: generator).matmul(mixing).Add(randn([Inputs], generator: generator).Mul(0.3));
        var fit = Raw();
        var heldOut = Raw();
        using (no_grad())
        {
            var gain = randn([Inputs], generator: generator).Mul(0.1).Add(1);
            var outliers = randperm(Inputs, generator: generator).narrow(0, 0, OutlierChannels);
            var signs = rand([OutlierChannels], generator: generator).Lt(0.5).Mul(2).Sub(1);
            gain.index_copy_(0, outliers, linspace(0.4 * outlierGain, outlierGain, OutlierChannels) * signs);
            norm.weight!.copy_(gain);
            norm.bias!.copy_(randn([Inputs], generator: generator).Mul(0.05));
            linear.SetWeight(randn([Outputs, Inputs], generator: generator).Mul(0.02));
            linear.SetBias(randn([Outputs], generator: generator).Mul(0.01));
        }

        return new SyntheticNormLinear(norm, linear, fit.MoveToOuterDisposeScope(), heldOut.MoveToOuterDisposeScope());
    }

    /// <summary>The Linear's inputs for pre-norm tokens.</summary>
    public Tensor LinearInputs(Tensor raw)
    {
        using var noGrad = no_grad();
        return Norm.forward(raw);
    }

    /// <summary>The pair's output for pre-norm tokens.</summary>
    public Tensor Output(Tensor raw)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return Linear.forward(Norm.forward(raw)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Norm.Dispose();
        Linear.Dispose();
        FitRaw.Dispose();
        HeldOutRaw.Dispose();
    }
}

/// <summary>Helpers shared by the AWQ and GPTQ tests.</summary>
internal static class WeightOnlyTestSupport
{
    /// <summary>
    /// Configurations the methods are compared with RTN on: 3 and 4 bits, per channel and g128, asymmetric (as the study's
    /// AWQ) or symmetric.
    /// </summary>
    public static IEnumerable<TestCaseData> LowBitConfigs()
    {
        foreach (int bits in new[] { 3, 4 })
        {
            var channel = new WeightQuantConfig(bits, WeightGranularity.PerChannel, symmetric: false);
            var groupAsym = new WeightQuantConfig(bits, WeightGranularity.PerGroup, 128, symmetric: false);
            var groupSym = new WeightQuantConfig(bits, WeightGranularity.PerGroup, 128);
            yield return new TestCaseData(channel).SetArgDisplayNames($"W{bits} channel asym");
            yield return new TestCaseData(groupAsym).SetArgDisplayNames($"W{bits} g128 asym");
            yield return new TestCaseData(groupSym).SetArgDisplayNames($"W{bits} g128 sym");
        }
    }

    /// <summary>
    /// Asserts that <paramref name="quantized"/>'s encoder features (and, with <paramref name="rollout"/>, its rollout)
    /// are closer to <paramref name="fp"/> than <paramref name="rtn"/>'s: relative error below <paramref name="factor"/>
    /// times RTN's. Prints both, labelled with <paramref name="method"/> and <paramref name="setting"/>.
    /// </summary>
    public static void AssertCloserThanRtn(
        (Tensor Visual, Tensor Proprio, Tensor Rollout) fp,
        (Tensor Visual, Tensor Proprio, Tensor Rollout) quantized,
        (Tensor Visual, Tensor Proprio, Tensor Rollout) rtn,
        string method,
        string setting,
        double factor,
        bool rollout = true)
    {
        double encoder = RelativeError(fp.Visual, quantized.Visual);
        double rtnEncoder = RelativeError(fp.Visual, rtn.Visual);
        double rolled = RelativeError(fp.Rollout, quantized.Rollout);
        double rtnRolled = RelativeError(fp.Rollout, rtn.Rollout);
        TestContext.Out.WriteLine(
            $"{setting} rel err on Wall frames: encoder RTN {rtnEncoder:E3}, {method} {encoder:E3}; rollout RTN {rtnRolled:E3}, {method} {rolled:E3}");
        Assert.That(encoder, Is.LessThan(rtnEncoder * factor), $"{method} encoder error against RTN's");
        if (rollout)
        {
            Assert.That(rolled, Is.LessThan(rtnRolled * factor), $"{method} rollout error against RTN's");
        }
    }

    /// <summary>‖A − B‖²_F / ‖A‖²_F in float64: the relative output error of a quantized layer.</summary>
    public static double RelativeError(Tensor reference, Tensor actual)
    {
        using var scope = NewDisposeScope();
        var a = reference.to_type(ScalarType.Float64);
        return (a - actual.to_type(ScalarType.Float64)).Pow(2).sum().item<double>() / a.Pow(2).sum().item<double>();
    }

    /// <summary>max |A − B| / max |A|.</summary>
    public static double MaxRelativeDifference(Tensor reference, Tensor actual)
    {
        using var scope = NewDisposeScope();
        return (reference - actual).abs().max().item<float>() / (double)reference.abs().max().item<float>();
    }

    /// <summary>A tiny model initialised from <paramref name="seed"/> and roughened (<see cref="Roughen"/>) from <paramref name="roughen"/>: same seeds, same weights.</summary>
    public static DinoWorldModel RoughTiny(int seed, long roughen)
    {
        var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: seed);
        Roughen(model, roughen);
        return model;
    }

    /// <summary>
    /// Gives a freshly initialised model the structure AWQ folds must preserve: LayerNorm gains with outlier channels and
    /// random shifts, random Linear biases and LayerScale gains far from 1 (a new model has γ = 1, β = 0, b = 0, gains 1e-5).
    /// </summary>
    public static void Roughen(DinoWorldModel model, long seed)
    {
        var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case LayerNorm norm:
                    long width = norm.weight!.shape[0];
                    var gain = randn([width], generator: generator).Mul(0.2).Add(1);
                    gain.IndexFillInPlace(0, randperm(width, generator: generator).narrow(0, 0, 2), 25);
                    norm.weight.copy_(gain);
                    norm.bias!.copy_(randn([width], generator: generator).Mul(0.1));
                    break;
                case QuantizableLinear linear when linear.Bias is not null:
                    linear.SetBias(randn(linear.Bias.shape, generator: generator).Mul(0.05));
                    break;
                case LayerScale layerScale:
                    layerScale.Gamma.copy_(rand(layerScale.Gamma.shape, generator: generator).Mul(1.5).Add(0.25));
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// Inputs from the calibration distribution (held out: other states than the planner visited): rendered Wall frames of
    /// random agent positions, their proprio normalised as <see cref="QuantModelTestSupport.SmallCalibration"/> does, and
    /// unit-normal (normalised) actions, horizon 3.
    /// </summary>
    public static (Tensor Images, Tensor Proprio, Tensor Actions) WallInputs(WorldModelConfig config, int batch = 8, int seed = 51)
    {
        var random = new Random(seed);
        double Position() => WallEnvironment.SampleLow + (random.NextDouble() * (WallEnvironment.SampleHigh - WallEnvironment.SampleLow));
        var states = Enumerable.Range(0, batch).Select(_ => new[] { Position(), Position() }).ToArray();
        var environment = new WallEnvironment(imageSize: config.ImageSize);
        var images = FrameTensors.Render(environment.Renderer, config.ImageSize, states).unsqueeze(1);
        var proprio = tensor(states.SelectMany(s => s).Select(v => (float)v).ToArray()).reshape(batch, 1, 2).Sub(32f).Div(16f);
        var actions = randn([batch, 3, config.ActionInputDim], generator: new Generator((ulong)seed));
        return (images, proprio, actions);
    }

    /// <summary>A copy of every parameter, for "the model did not change" checks.</summary>
    public static Dictionary<string, Tensor> Parameters(DinoWorldModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>Asserts every parameter still equals the copy.</summary>
    public static void AssertUnchanged(DinoWorldModel model, Dictionary<string, Tensor> before)
    {
        foreach (var (name, parameter) in model.named_parameters())
        {
            Assert.That(QuantModelTestSupport.Identical(parameter.detach(), before[name]), Is.True, name);
        }

        Assert.That(model.NamedQuantizableLayers().All(l => l.Layer.InputTransform is null), Is.True);
    }
}
