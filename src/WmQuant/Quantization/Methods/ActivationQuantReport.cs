using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Methods;

/// <summary>What quantizing one layer's input did, for reports and artifact metadata.</summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Method">Range method ("minmax", "omse"; "dynamic" for per-token ranges computed at run time).</param>
/// <param name="Config">The activation settings.</param>
/// <param name="CalibratedRange">Observed (min, max) of the calibration inputs, when calibration data was given.</param>
/// <param name="Range">Static range used (null for dynamic).</param>
/// <param name="ClipRatio">Chosen shrink ratio of the calibrated range (null for dynamic).</param>
/// <param name="Parameters">Static scale and zero point (null for dynamic).</param>
/// <param name="Mse">Mean squared fake-quant error on the sampled calibration tokens; null without them.</param>
/// <param name="UnclippedMse">The same with the full calibrated range (static only).</param>
public sealed record ActivationQuantReport(
    string Layer,
    string Method,
    ActivationQuantConfig Config,
    ActivationRange? CalibratedRange,
    ActivationRange? Range,
    double? ClipRatio,
    StaticActivationParameters? Parameters,
    double? Mse,
    double? UnclippedMse);
