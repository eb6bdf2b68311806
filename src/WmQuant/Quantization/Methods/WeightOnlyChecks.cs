using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// What must hold before a calibrated weight-only method (AWQ, GPTQ) changes a model: calibration inputs for every
/// weight-quantized layer, recorded at its width and finite; no input quantization; a model not quantized before.
/// <see cref="CheckCalibrated"/> holds the rules every calibrated method shares (SmoothQuant and OmniQuant too).
/// </summary>
internal static class WeightOnlyChecks
{
    /// <summary>The first rule the request breaks, as an error value, or null when the method may run.</summary>
    public static QuantizationError? Check(
        string method, ResolvedQuantizationScope scope, Dictionary<string, IQuantizableLayer> layers, CalibrationSet? calibration)
    {
        if (calibration is null)
        {
            return CheckCalibrated(method, scope, layers, calibration);
        }

        var withInputs = scope.Layers.Where(l => l.Activations is not null).Select(l => l.Name).ToList();
        if (withInputs.Count > 0)
        {
            return new QuantizationError(
                QuantizationError.InvalidRequest,
                $"{method} quantizes weights only, but the plan also quantizes the inputs of {withInputs.Count} layers "
                + $"(e.g. {withInputs[0]}); keep activations in float or use rtn/omse");
        }

        return CheckCalibrated(method, scope, layers, calibration);
    }

    /// <summary>
    /// The rules of every calibrated method, weight-only or not: calibration data, a model not quantized before, and
    /// for every layer the plan quantizes (weight or input) sampled inputs recorded at its width, all finite.
    /// </summary>
    public static QuantizationError? CheckCalibrated(
        string method, ResolvedQuantizationScope scope, Dictionary<string, IQuantizableLayer> layers, CalibrationSet? calibration)
    {
        using var tensors = NewDisposeScope();
        var quantized = scope.Quantized;
        if (calibration is null)
        {
            return new QuantizationError(
                QuantizationError.CalibrationRequired,
                $"{method} needs calibration inputs for every quantized layer ({quantized.Count} layers); calibrate first");
        }

        var transformed = quantized.Where(l => layers[l.Name].InputTransform is not null).Select(l => l.Name).ToList();
        if (transformed.Count > 0)
        {
            return new QuantizationError(
                QuantizationError.InvalidRequest,
                $"layers already carry an input transform (quantize a full-precision model once): {string.Join(", ", transformed)}");
        }

        var missing = quantized.Where(l => calibration.TryGet(l.Name) is not { ReservoirCount: > 0 }).Select(l => l.Name).ToList();
        if (missing.Count > 0)
        {
            return new QuantizationError(
                QuantizationError.CalibrationMismatch,
                $"the calibration set has no inputs recorded for {string.Join(", ", missing)}; recalibrate with these layers");
        }

        var wrongWidth = quantized.Where(l => calibration.TryGet(l.Name)!.Channels != l.InFeatures)
            .Select(l => $"{l.Name} (model {l.InFeatures}, calibration {calibration.TryGet(l.Name)!.Channels})").ToList();
        if (wrongWidth.Count > 0)
        {
            return new QuantizationError(
                QuantizationError.CalibrationMismatch,
                $"the calibration set was recorded on another model: input widths differ for {string.Join(", ", wrongWidth)}");
        }

        var nonFinite = quantized.Where(l => !calibration.TryGet(l.Name)!.SampledTokens().isfinite().all().item<bool>())
            .Select(l => l.Name).ToList();
        return nonFinite.Count > 0
            ? new QuantizationError(
                QuantizationError.CalibrationMismatch,
                $"the calibration inputs of {string.Join(", ", nonFinite)} are not finite; recalibrate")
            : null;
    }
}
