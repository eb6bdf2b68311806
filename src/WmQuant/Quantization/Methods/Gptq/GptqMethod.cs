using System.Globalization;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.Gptq;

/// <summary>
/// GPTQ (Frantar et al., 2022), weight-only: every weight-quantized layer of the plan is quantized column by column,
/// each column's rounding error spread over the columns not yet quantized through the upper Cholesky factor of H⁻¹,
/// with H = 2XᵀX/n of the layer's sampled calibration inputs X, dampened by <see cref="GptqOptions.Damp"/>·mean(diag H)
/// (inputs never non-zero get zero weights, as upstream). Scales follow the plan's
/// <see cref="WeightQuantConfig"/> (per-tensor, per-channel, or per-group with a partial last group; symmetric or not;
/// fp16 scales rounded up) and the codes are packed as by every other method: each quantized weight is set to exactly
/// the dequantized codes.
/// </summary>
/// <remarks>
/// Requires calibration data (<see cref="QuantizationError.CalibrationRequired"/> otherwise) and refuses plans that
/// quantize inputs (<see cref="QuantizationError.InvalidRequest"/>). Differs from upstream in where X comes from: the
/// reservoir of inputs recorded from the full-precision model while planning, not the inputs the partly quantized
/// model produces when layers are quantized one after another; layers are therefore independent of each other and
/// of the order they are quantized in. The report's output MSE is measured on the same tokens the Hessian came from.
/// </remarks>
/// <param name="options">Solver settings.</param>
/// <param name="log">
/// Receives one line per quantized layer (relative output error of RTN and GPTQ on the calibration tokens), or null.
/// </param>
public sealed class GptqMethod(GptqOptions options, Action<string>? log = null) : IModelQuantizationMethod
{
    /// <summary>The solver settings.</summary>
    public GptqOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public string Name => "gptq";

    /// <inheritdoc/>
    public QuantizationOutcome Apply(DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan)
    {
        if (MethodSteps.Begin(Name, Options.Problem(), model, plan, calibration, weightOnly: true, out var scope, out var layers) is { } refused)
        {
            return refused;
        }

        var records = MethodSteps.Records(scope, settings =>
        {
            var statistics = calibration!.TryGet(settings.Name);
            return settings.Weights is null
                ? new LayerQuantizationRecord(settings, null, null, FloatReport(settings, statistics))
                : Quantize(settings, settings.Weights, layers[settings.Name], statistics!);
        });
        return new QuantizationOutcome(new ModelQuantizationResult(Name, plan, scope, records), null);
    }

    private LayerQuantizationRecord Quantize(
        LayerQuantSettings settings, WeightQuantConfig config, IQuantizableLayer layer, LayerActivationStatistics statistics)
    {
        using var scope = NewDisposeScope();
        var original = layer.WeightMatrix.detach().clone();
        var tokens = statistics.SampledTokens().to(original.device);
        var heldOut = statistics.HeldOutTokens().to(original.device);
        var solved = GptqQuantizer.Quantize(original, GptqQuantizer.Hessian(tokens), config, Options);
        var fake = WeightQuantizer.Dequantize(solved.Quantized);
        layer.SetWeight(fake);
        var weightReport = QuantErrorMetrics.Report(
            settings.Name, Name, config, original, fake, solved.Quantized, heldOut, grid: null, meanClipRatio: 1);
        if (log is not null)
        {
            double rtn = QuantErrorMetrics.RelativeOutputError(heldOut, original, WeightQuantizer.FakeQuantize(original, config)) ?? double.NaN;
            double gptq = weightReport.RelativeOutputError ?? double.NaN;
            string damping = solved.Damping == Options.Damp
                ? string.Empty
                : FormattableString.Invariant($", damp raised to {solved.Damping}");
            string dead = solved.DeadColumns > 0 ? FormattableString.Invariant($", {solved.DeadColumns} dead inputs") : string.Empty;
            log(string.Create(
                CultureInfo.InvariantCulture,
                $"gptq {settings.Name}: {config}, rel out err RTN {rtn:E2} → {gptq:E2} ({Options.Describe()}{damping}{dead})"));
        }

        var report = new ModelLayerReport(
            settings.Name, settings.Group, settings.Describe(), weightReport, null, weightReport.OutputMse, statistics.TokensSeen)
        {
            RelativeOutputError = weightReport.RelativeOutputError,
        };
        return new LayerQuantizationRecord(settings, solved.Quantized.MoveToOuterDisposeScope(), null, report);
    }

    private static ModelLayerReport FloatReport(LayerQuantSettings settings, LayerActivationStatistics? statistics) =>
        new(settings.Name, settings.Group, settings.Describe(), null, null, null, statistics?.TokensSeen ?? 0);
}
