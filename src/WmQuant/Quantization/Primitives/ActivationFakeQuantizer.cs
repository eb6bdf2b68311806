using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// An activation fake-quantizer bound to one configuration (and, for static quantization, one calibrated
/// range), ready to be set as a Linear's input transform through <see cref="AsTransform"/>.
/// </summary>
public sealed class ActivationFakeQuantizer
{
    /// <summary>Binds the configuration; a static per-tensor configuration needs its calibrated range.</summary>
    /// <exception cref="ArgumentException">Static granularity without a range.</exception>
    public ActivationFakeQuantizer(ActivationQuantConfig config, ActivationRange? staticRange = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.IsBypass && config.Granularity == ActivationGranularity.PerTensorStatic && staticRange is null)
        {
            throw new ArgumentException("Static per-tensor activation quantization needs a calibrated range.", nameof(staticRange));
        }

        Config = config;
        StaticRange = staticRange;
    }

    /// <summary>The configuration applied.</summary>
    public ActivationQuantConfig Config { get; }

    /// <summary>The calibrated range used for static quantization (null for dynamic).</summary>
    public ActivationRange? StaticRange { get; }

    /// <summary>Fake-quantizes <paramref name="x"/>; returns a new tensor of the same dtype and shape.</summary>
    public Tensor Apply(Tensor x) => Config.Granularity == ActivationGranularity.PerTokenDynamic || Config.IsBypass
        ? ActivationQuantizer.FakeQuantizePerToken(x, Config)
        : ActivationQuantizer.FakeQuantizePerTensor(x, StaticRange!.Value, Config);

    /// <summary>This quantizer as a delegate, the shape of a Linear's input hook.</summary>
    public Func<Tensor, Tensor> AsTransform() => Apply;
}
