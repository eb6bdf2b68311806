using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.SmoothQuant;

/// <summary>
/// What SmoothQuant and OmniQuant share once a layer's input transform is folded: the migration scales, the input
/// quantizer of a transformed input (static ranges recomputed for the new basis), and the per-layer record and report,
/// filled as <see cref="ModelQuantizationMethod"/> fills them.
/// </summary>
internal static class SmoothedLayers
{
    /// <summary>SmoothQuant's clamp on weight maxima and on the scales (reference: 1e-5).</summary>
    public const double MinimumScale = 1e-5;

    /// <summary>
    /// s_j = max|X_j|^α / max_i |W_ij|^(1−α), the weight maximum taken over every Linear reading the input and clamped
    /// below by 1e-5, s clamped below by 1e-5 (mit-han-lab/smoothquant <c>smooth_ln_fcs</c>); float32 [K] on the first
    /// weight's device, computed in float64.
    /// </summary>
    /// <param name="inputAbsMax">max |x_j| per input channel over the calibration tokens [K].</param>
    /// <param name="weights">Weights [N, K] of the Linears sharing the input.</param>
    /// <param name="alpha">Migration strength α.</param>
    public static Tensor MigrationScales(Tensor inputAbsMax, IReadOnlyList<Tensor> weights, double alpha)
    {
        ArgumentNullException.ThrowIfNull(inputAbsMax);
        ArgumentNullException.ThrowIfNull(weights);
        using var scope = NewDisposeScope();
        var device = weights[0].device;
        var weightMax = stack(weights.Select(w => w.detach().to(ScalarType.Float64, device).abs().amax([0])).ToArray()).amax([0]).ClampMin(MinimumScale);
        var act = inputAbsMax.to(ScalarType.Float64, device);
        var scales = (act.Pow(alpha) / weightMax.Pow(1 - alpha)).ClampMin(MinimumScale);
        return scales.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>The input quantizer for a layer's input in a transformed basis (inputs [n, K] already transformed), as a function.</summary>
    public static Func<Tensor, Tensor>? InputQuantizer(ActivationQuantConfig? config, LayerActivationStatistics statistics, ChannelTransform? transform)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (config is null)
        {
            return null;
        }

        if (config.Granularity == ActivationGranularity.PerTokenDynamic)
        {
            return x => ActivationQuantizer.FakeQuantizePerToken(x, config);
        }

        var parameters = ActivationQuantizer.StaticParameters(ChannelTransform.InputRange(statistics, transform), config);
        return x => ActivationQuantizer.FakeQuantizeStatic(x, parameters, config);
    }

    /// <summary>A float layer's record (no codes, no quantizer, a report marked float).</summary>
    public static LayerQuantizationRecord FloatRecord(LayerQuantSettings settings, LayerActivationStatistics? statistics) =>
        new(settings, null, null, new ModelLayerReport(settings.Name, settings.Group, settings.Describe(), null, null, null, statistics?.TokensSeen ?? 0));

    /// <summary>
    /// Quantizes one layer whose input transform is already folded into the model: the weight (in the folded basis) to
    /// <paramref name="codes"/>, or round-to-nearest when null; the input with the plan's quantizer for the transformed
    /// input (a static range is recomputed by <see cref="ChannelTransform.InputRange"/>); the report measured on the
    /// layer's calibration tokens X taken to the folded basis, X′ = (X − δ)/s, so its output MSE
    /// ‖X′W′ᵀ − Q(X′)Ŵᵀ‖²/n is the error of the layer's real output.
    /// </summary>
    /// <param name="method">Method name for the reports.</param>
    /// <param name="settings">The plan's settings for the layer (not float).</param>
    /// <param name="layer">The layer, with its transform already folded.</param>
    /// <param name="statistics">Its calibration statistics (recorded in the original basis).</param>
    /// <param name="transform">The folded input transform, or null.</param>
    /// <param name="codes">Codes to install (the caller passes ownership), or null for round-to-nearest.</param>
    /// <param name="description">Text for the weight report's grid field.</param>
    /// <param name="meanClipRatio">Mean clipping ratio of the codes (1 for round-to-nearest).</param>
    public static LayerQuantizationRecord Quantize(
        string method,
        LayerQuantSettings settings,
        IQuantizableLayer layer,
        LayerActivationStatistics statistics,
        ChannelTransform? transform,
        QuantizedWeight? codes,
        string description,
        double meanClipRatio)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(statistics);
        using var scope = NewDisposeScope();
        var folded = layer.WeightMatrix.detach().clone();
        // Reports read the held-out half of the reservoir (what nothing fitted on), as every other method's do.
        var recorded = (statistics.ReservoirCount > 1 ? statistics.HeldOutTokens() : statistics.SampledTokens()).to(folded.device);
        var tokens = transform is null ? recorded : transform.Apply(recorded);
        LayerQuantReport? weightReport = null;
        QuantizedWeight? quantized = null;
        if (settings.Weights is { } config)
        {
            quantized = codes ?? WeightQuantizer.Quantize(folded, config);
            var fake = WeightQuantizer.Dequantize(quantized);
            layer.SetWeight(fake);
            weightReport = QuantErrorMetrics.Report(settings.Name, method, config, folded, fake, quantized, tokens, description, meanClipRatio);
        }
        else
        {
            codes?.Dispose();
        }

        ActivationFakeQuantizer? quantizer = null;
        ActivationQuantReport? inputReport = null;
        if (settings.Activations is { } activations)
        {
            (quantizer, inputReport) = InputQuantizer(settings.Name, activations, statistics, transform, tokens);
            layer.InputTransform = quantizer.AsTransform();
        }

        double outputMse = QuantErrorMetrics.OutputMse(tokens, folded, layer.WeightMatrix.detach(), quantizer is null ? null : quantizer.Apply);
        var report = new ModelLayerReport(
            settings.Name, settings.Group, settings.Describe(), weightReport, inputReport, outputMse, statistics.TokensSeen)
        {
            RelativeOutputError = QuantErrorMetrics.RelativeOutputError(
                tokens, folded, layer.WeightMatrix.detach(), quantizer is null ? null : quantizer.Apply),
        };
        return new LayerQuantizationRecord(settings, quantized?.MoveToOuterDisposeScope(), quantizer, report);
    }

    private static (ActivationFakeQuantizer Quantizer, ActivationQuantReport Report) InputQuantizer(
        string layer, ActivationQuantConfig config, LayerActivationStatistics statistics, ChannelTransform? transform, Tensor tokens)
    {
        var range = ChannelTransform.InputRange(statistics, transform);
        if (config.Granularity == ActivationGranularity.PerTokenDynamic)
        {
            var dynamicQuantizer = new ActivationFakeQuantizer(config);
            double dynamicMse = Mse(dynamicQuantizer, tokens);
            return (dynamicQuantizer, new ActivationQuantReport(layer, "dynamic", config, range, null, null, null, dynamicMse, null));
        }

        var quantizer = new ActivationFakeQuantizer(config, range);
        double mse = Mse(quantizer, tokens);
        string name = transform is null ? "minmax" : "smoothed-minmax";
        return (quantizer, new ActivationQuantReport(layer, name, config, range, range, 1, quantizer.StaticParameters, mse, mse));
    }

    private static double Mse(ActivationFakeQuantizer quantizer, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        return (quantizer.Apply(tokens) - tokens).to_type(ScalarType.Float64).Pow(2).mean().item<double>();
    }
}
