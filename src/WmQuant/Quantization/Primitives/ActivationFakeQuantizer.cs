using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// An activation fake-quantizer bound to one configuration (and, for static quantization, one scale and zero
/// point fixed ahead of time), ready to be set as a layer's input transform through <see cref="AsTransform"/>.
/// </summary>
public sealed class ActivationFakeQuantizer
{
    /// <summary>Binds the configuration; a static per-tensor configuration needs its calibrated range.</summary>
    /// <exception cref="ArgumentException">Static granularity without a range.</exception>
    public ActivationFakeQuantizer(ActivationQuantConfig config, ActivationRange? staticRange = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        bool isStatic = !config.IsBypass && config.Granularity == ActivationGranularity.PerTensorStatic;
        if (isStatic && staticRange is null)
        {
            throw new ArgumentException("Static per-tensor activation quantization needs a calibrated range.", nameof(staticRange));
        }

        Config = config;
        StaticRange = staticRange;
        StaticParameters = isStatic ? ActivationQuantizer.StaticParameters(staticRange!.Value, config) : null;
    }

    private ActivationFakeQuantizer(ActivationQuantConfig config, StaticActivationParameters parameters)
    {
        Config = config;
        StaticParameters = parameters;
    }

    /// <summary>The configuration applied.</summary>
    public ActivationQuantConfig Config { get; }

    /// <summary>The calibrated range the static parameters came from (null for dynamic, or when built from stored parameters).</summary>
    public ActivationRange? StaticRange { get; }

    /// <summary>Scale and zero point of static quantization (null for dynamic): what an artifact stores.</summary>
    public StaticActivationParameters? StaticParameters { get; }

    /// <summary>A static quantizer from stored parameters (an artifact's input_scale and input_zero_point).</summary>
    /// <exception cref="ArgumentException">The config is not static per-tensor, or the zero point does not fit the symmetry.</exception>
    public static ActivationFakeQuantizer FromParameters(ActivationQuantConfig config, StaticActivationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass || config.Granularity != ActivationGranularity.PerTensorStatic)
        {
            throw new ArgumentException($"Stored parameters belong to static per-tensor quantization, not {config}.", nameof(config));
        }

        if (config.Symmetric != parameters.ZeroPoint is null || !(parameters.Scale > 0))
        {
            throw new ArgumentException($"Parameters {parameters} do not fit {config}.", nameof(parameters));
        }

        return new ActivationFakeQuantizer(config, parameters);
    }

    /// <summary>Fake-quantizes <paramref name="x"/>; returns a new tensor of the same dtype and shape.</summary>
    public Tensor Apply(Tensor x) => StaticParameters is { } parameters
        ? ActivationQuantizer.FakeQuantizeStatic(x, parameters, Config)
        : ActivationQuantizer.FakeQuantizePerToken(x, Config);

    /// <summary>This quantizer as a delegate, the shape of a layer's input hook.</summary>
    public Func<Tensor, Tensor> AsTransform() => Apply;
}
