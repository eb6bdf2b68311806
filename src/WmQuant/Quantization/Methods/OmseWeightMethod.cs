using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// OMSE: for every scale group (row or group of a row, or the whole tensor) independently, picks the
/// clipping ratio from <see cref="Grid"/> that minimises the squared error of the fake-quantized group,
/// then quantizes with those ratios. One pass over the grid, vectorised over all groups at once. Since the
/// grid contains 1, each group's error (and so the total) is never above RTN's.
/// </summary>
/// <param name="grid">Ratios to try; <see cref="ShrinkGrid.Default"/> when null.</param>
public sealed class OmseWeightMethod(ShrinkGrid? grid = null) : IWeightQuantMethod
{
    /// <summary>The ratios searched (recorded in the report).</summary>
    public ShrinkGrid Grid { get; } = grid ?? ShrinkGrid.Default;

    /// <inheritdoc/>
    public string Name => "omse";

    /// <inheritdoc/>
    public WeightMethodResult Apply(string layer, Tensor weight, WeightQuantConfig config, Tensor? calibrationInputs = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        if (config.IsBypass)
        {
            var copy = weight.clone();
            var bypassReport = QuantErrorMetrics.Report(layer, Name, config, weight, copy, null, calibrationInputs, Grid.ToString(), 1);
            return new WeightMethodResult(copy.MoveToOuterDisposeScope(), null, bypassReport);
        }

        var ratios = SearchClipRatios(weight, config);
        var quantized = WeightQuantizer.Quantize(weight, config, ratios);
        var fake = WeightQuantizer.Dequantize(quantized);
        double meanRatio = ratios.to_type(ScalarType.Float64).mean().item<double>();
        var report = QuantErrorMetrics.Report(layer, Name, config, weight, fake, quantized, calibrationInputs, Grid.ToString(), meanRatio);
        quantized.MoveToOuterDisposeScope();
        return new WeightMethodResult(fake.MoveToOuterDisposeScope(), quantized, report);
    }

    /// <summary>
    /// Best ratio per scale group, float32 shaped like the scales; ties keep the earlier (larger) ratio.
    /// Uses the same scale/code arithmetic as <see cref="WeightQuantizer.Quantize"/>, so the error found for a
    /// ratio is exactly the error quantizing with it gives.
    /// </summary>
    public Tensor SearchClipRatios(Tensor weight, WeightQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        var grouped = WeightGrouping.Group(weight.to_type(ScalarType.Float32), config);
        long[] groupShape = [grouped.shape[0], grouped.shape[1]];
        var bestError = ScalarOps.Full(groupShape, float.PositiveInfinity, ScalarType.Float32, grouped.device);
        var bestRatio = ones(groupShape, ScalarType.Float32, grouped.device);
        foreach (float ratio in Grid.Ratios())
        {
            using var step = NewDisposeScope();
            var candidate = ScalarOps.Full(groupShape, ratio, ScalarType.Float32, grouped.device);
            var (scale, zero) = WeightQuantizer.GroupParameters(grouped, config, candidate);
            var codes = UniformQuantMath.Codes(grouped, scale.unsqueeze(-1), zero?.unsqueeze(-1), config.MinCode, config.MaxCode);
            var values = UniformQuantMath.Values(codes, scale.unsqueeze(-1), zero?.unsqueeze(-1));
            var error = (values - grouped).Pow(2).sum(-1);
            var better = error.lt(bestError);
            bestError.copy_(where(better, error, bestError));
            bestRatio.copy_(where(better, candidate, bestRatio));
        }

        return bestRatio.MoveToOuterDisposeScope();
    }
}
