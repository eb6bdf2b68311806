using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// A model transform built from a per-weight method and a static-activation range method (RTN = RTN weights +
/// min/max ranges; OMSE = OMSE weights + OMSE range search). Walks the plan's layers in model order: replaces each
/// quantized weight by its fake-quant value, installs an input quantizer (static per-tensor from calibration, or
/// dynamic per-token) where the plan quantizes the input, and reports scale statistics and errors.
/// </summary>
/// <param name="name">Name recorded in reports and metadata.</param>
/// <param name="weights">How each weight is quantized.</param>
/// <param name="activations">How static input ranges are chosen from calibration statistics.</param>
public sealed class ModelQuantizationMethod(string name, IWeightQuantMethod weights, IActivationRangeMethod activations) : IModelQuantizationMethod
{
    /// <inheritdoc/>
    public string Name { get; } = name ?? throw new ArgumentNullException(nameof(name));

    /// <summary>The per-weight method.</summary>
    public IWeightQuantMethod Weights { get; } = weights ?? throw new ArgumentNullException(nameof(weights));

    /// <summary>The static-range method.</summary>
    public IActivationRangeMethod Activations { get; } = activations ?? throw new ArgumentNullException(nameof(activations));

    /// <inheritdoc/>
    public QuantizationOutcome Apply(DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        var scope = plan.Resolve(model);
        var layers = model.QuantizableLayersByName();
        if (Check(scope, layers, calibration) is { } error)
        {
            return new QuantizationOutcome(null, error);
        }

        var records = MethodSteps.Records(
            scope, settings => settings.IsFloat ? FloatRecord(settings, calibration) : Quantize(settings, layers[settings.Name], calibration));
        return new QuantizationOutcome(new ModelQuantizationResult(Name, plan, scope, records), null);
    }

    private static QuantizationError? Check(ResolvedQuantizationScope scope, Dictionary<string, IQuantizableLayer> layers, CalibrationSet? calibration)
    {
        var transformed = scope.Quantized.Where(l => layers[l.Name].InputTransform is not null).Select(l => l.Name).ToList();
        if (transformed.Count > 0)
        {
            return new QuantizationError(QuantizationError.InvalidRequest, $"layers already carry an input transform (quantize a full-precision model once): {string.Join(", ", transformed)}");
        }

        var needRanges = scope.Layers.Where(l => l.NeedsCalibratedRange).ToList();
        if (needRanges.Count > 0 && calibration is null)
        {
            return new QuantizationError(QuantizationError.CalibrationRequired, $"static per-tensor activation ranges need calibration data ({needRanges.Count} layers, e.g. {needRanges[0].Name}); calibrate first or use per-token activations");
        }

        if (calibration is null)
        {
            return null;
        }

        var missing = needRanges.Where(l => calibration.TryGet(l.Name) is not { TokensSeen: > 0 }).Select(l => l.Name).ToList();
        if (missing.Count > 0)
        {
            return new QuantizationError(QuantizationError.CalibrationMismatch, $"the calibration set has no inputs recorded for {string.Join(", ", missing)}; recalibrate with these layers");
        }

        var wrongWidth = scope.Quantized
            .Where(l => calibration.TryGet(l.Name) is { } stats && stats.Channels != l.InFeatures)
            .Select(l => $"{l.Name} (model {l.InFeatures}, calibration {calibration.TryGet(l.Name)!.Channels})")
            .ToList();
        return wrongWidth.Count > 0
            ? new QuantizationError(QuantizationError.CalibrationMismatch, $"the calibration set was recorded on another model: input widths differ for {string.Join(", ", wrongWidth)}")
            : null;
    }

    private static LayerQuantizationRecord FloatRecord(LayerQuantSettings settings, CalibrationSet? calibration) =>
        new(settings, null, null, new ModelLayerReport(settings.Name, settings.Group, settings.Describe(), null, null, null, calibration?.TryGet(settings.Name)?.TokensSeen ?? 0));

    private LayerQuantizationRecord Quantize(LayerQuantSettings settings, IQuantizableLayer layer, CalibrationSet? calibration)
    {
        using var scope = NewDisposeScope();
        var statistics = calibration?.TryGet(settings.Name);
        // Reports use held-out tokens; what a method fits on (static ranges) reads the other half through the statistics.
        var tokens = statistics is { ReservoirCount: > 1 } ? statistics.HeldOutTokens() : null;
        var original = layer.WeightMatrix.detach().clone();
        LayerQuantReport? weightReport = null;
        QuantizedWeight? codes = null;
        if (settings.Weights is { } weightConfig)
        {
            var result = Weights.Apply(settings.Name, original, weightConfig, tokens);
            layer.SetWeight(result.FakeQuantWeight);
            weightReport = result.Report;
            codes = result.Quantized?.MoveToOuterDisposeScope();
        }

        ActivationFakeQuantizer? quantizer = null;
        ActivationQuantReport? activationReport = null;
        if (settings.Activations is { } activationConfig)
        {
            (quantizer, activationReport) = InputQuantizer(settings.Name, activationConfig, statistics, tokens);
            layer.InputTransform = quantizer.AsTransform();
        }

        Func<Tensor, Tensor>? inputQuantizer = quantizer is null ? null : quantizer.Apply;
        double? outputMse = tokens is null ? null : QuantErrorMetrics.OutputMse(tokens, original, layer.WeightMatrix.detach(), inputQuantizer);
        var report = new ModelLayerReport(settings.Name, settings.Group, settings.Describe(), weightReport, activationReport, outputMse, statistics?.TokensSeen ?? 0)
        {
            RelativeOutputError = QuantErrorMetrics.RelativeOutputError(tokens, original, layer.WeightMatrix.detach(), inputQuantizer),
        };
        return new LayerQuantizationRecord(settings, codes, quantizer, report);
    }

    private (ActivationFakeQuantizer Quantizer, ActivationQuantReport Report) InputQuantizer(string layer, ActivationQuantConfig config, LayerActivationStatistics? statistics, Tensor? tokens)
    {
        ActivationRange? calibrated = statistics is { TokensSeen: > 0 } ? new ActivationRange(statistics.Min, statistics.Max) : null;
        if (config.Granularity == ActivationGranularity.PerTokenDynamic)
        {
            var dynamicQuantizer = new ActivationFakeQuantizer(config);
            double? mse = tokens is null ? null : (dynamicQuantizer.Apply(tokens) - tokens).to_type(ScalarType.Float64).Pow(2).mean().item<double>();
            return (dynamicQuantizer, new ActivationQuantReport(layer, "dynamic", config, calibrated, null, null, null, mse, null));
        }

        var choice = Activations.Choose(statistics!, config);
        var quantizer = new ActivationFakeQuantizer(config, choice.Range);
        return (quantizer, new ActivationQuantReport(
            layer,
            Activations.Name,
            config,
            calibrated,
            choice.Range,
            choice.Ratio,
            quantizer.StaticParameters,
            double.IsNaN(choice.Mse) ? null : choice.Mse,
            double.IsNaN(choice.UnclippedMse) ? null : choice.UnclippedMse));
    }
}
