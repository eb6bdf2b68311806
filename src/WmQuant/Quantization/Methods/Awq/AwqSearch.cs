using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.Awq;

/// <summary>The scale AWQ chose for one group: the exponent r, the scales s [K], and the search's output errors.</summary>
/// <param name="Ratio">The exponent r of the chosen scales.</param>
/// <param name="Scales">s [K], float32 (all ones when r = 0 without duo scaling).</param>
/// <param name="Error">Summed output MSE of the group's Linears with the chosen scales (NaN when not searched).</param>
/// <param name="UnscaledError">The same with s = 1, i.e. plain quantization (NaN when not searched).</param>
internal sealed record AwqScaleChoice(double Ratio, Tensor Scales, double Error, double UnscaledError) : IDisposable
{
    /// <summary>True when every scale is exactly 1 (nothing to fold).</summary>
    public bool IsIdentity => Scales.Eq(1).all().item<bool>();

    /// <inheritdoc/>
    public void Dispose() => Scales.Dispose();
}

/// <summary>
/// AWQ's two searches (Lin et al., 2023; llm-awq <c>auto_scale</c> and <c>auto_clip</c>), on tokens X [n, K] of a
/// layer's input. Scale search: for r on the grid, s = x̄^r (or x̄^r / w̄^(1−r) with duo scaling) divided by
/// √(max s · min s), and the error ‖X Wᵀ − X (Q(W·diag s)·diag(1/s))ᵀ‖² summed over the group's Linears; the least wins
/// (ties keep the smaller r). Clip search: for every scale group of a weight, the shrink ratio of its range with the
/// least error of that group's contribution to the output, Σ_t (Σ_{k∈group} x_tk (w_k − ŵ_k))².
/// </summary>
internal static class AwqSearch
{
    /// <summary>Scale search over <see cref="AwqOptions.Grid"/> for Linears reading <paramref name="tokens"/>.</summary>
    /// <param name="linears">Each Linear's weight [N, K] (in the tokens' basis) and the configuration it will be quantized with.</param>
    /// <param name="tokens">Input tokens [n, K].</param>
    /// <param name="meanAbs">x̄: mean |x| per input channel [K].</param>
    /// <param name="options">Grid and duo scaling.</param>
    public static AwqScaleChoice SearchScales(
        IReadOnlyList<(Tensor Weight, WeightQuantConfig Config)> linears, Tensor tokens, Tensor meanAbs, AwqOptions options)
    {
        ArgumentNullException.ThrowIfNull(linears);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(meanAbs);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var weights = linears.Select(l => (Weight: l.Weight.detach().to_type(ScalarType.Float32), l.Config)).ToList();
        var device = weights[0].Weight.device;
        var x = tokens.to(ScalarType.Float32, device);
        var xMean = meanAbs.to(ScalarType.Float32, device);
        var wMean = options.DuoScaling ? WeightMean(weights) : null;
        double bestError = double.PositiveInfinity;
        double unscaledError = double.NaN;
        double bestRatio = 0;
        var best = ones_like(xMean);
        for (int i = 0; i < options.Grid; i++)
        {
            using var step = NewDisposeScope();
            double ratio = (double)i / options.Grid;
            var scales = Scales(xMean, wMean, ratio);
            double error = weights.Sum(l => QuantErrorMetrics.OutputMse(x, l.Weight, ScaledFakeQuantize(l.Weight, l.Config, scales)));
            if (i == 0 && wMean is null)
            {
                unscaledError = error;
            }

            if (error < bestError)
            {
                bestError = error;
                bestRatio = ratio;
                best.copy_(scales);
            }
        }

        if (wMean is not null)
        {
            unscaledError = weights.Sum(l => QuantErrorMetrics.OutputMse(x, l.Weight, WeightQuantizer.FakeQuantize(l.Weight, l.Config)));
        }

        return new AwqScaleChoice(bestRatio, best.MoveToOuterDisposeScope(), bestError, unscaledError);
    }

    /// <summary>The scales for one given exponent, without searching (errors NaN).</summary>
    public static AwqScaleChoice FixedScales(
        IReadOnlyList<(Tensor Weight, WeightQuantConfig Config)> linears, Tensor meanAbs, AwqOptions options, double ratio)
    {
        ArgumentNullException.ThrowIfNull(linears);
        ArgumentNullException.ThrowIfNull(meanAbs);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        var weights = linears.Select(l => (Weight: l.Weight.detach().to_type(ScalarType.Float32), l.Config)).ToList();
        var xMean = meanAbs.to(ScalarType.Float32, weights[0].Weight.device);
        var scales = Scales(xMean, options.DuoScaling ? WeightMean(weights) : null, ratio);
        return new AwqScaleChoice(ratio, scales.MoveToOuterDisposeScope(), double.NaN, double.NaN);
    }

    /// <summary>
    /// Best clip ratio per scale group of <paramref name="weight"/> [N, K] (float32, shaped like the scales) from
    /// <paramref name="grid"/>, judged on each group's output contribution for <paramref name="tokens"/> [n, K]; ties keep
    /// the larger ratio. The first <paramref name="unclippedRows"/> rows keep ratio 1 (query and key rows of a fused
    /// q/k/v projection, as llm-awq leaves q and k unclipped: their output error says little once softmax(qkᵀ) follows);
    /// with a per-tensor scale such a weight is not clipped at all.
    /// </summary>
    public static Tensor SearchClipRatios(Tensor weight, Tensor tokens, WeightQuantConfig config, ShrinkGrid grid, long unclippedRows = 0)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(grid);
        using var scope = NewDisposeScope();
        var w = weight.detach().to_type(ScalarType.Float32);
        long rows = w.shape[0];
        long columns = w.shape[1];
        var x = tokens.to(ScalarType.Float32, w.device);
        var grouped = WeightGrouping.Group(w, config);
        long[] groupShape = [grouped.shape[0], grouped.shape[1]];
        var bestRatio = ones(groupShape, ScalarType.Float32, w.device);
        if (config.Granularity == WeightGranularity.PerTensor && unclippedRows > 0)
        {
            return bestRatio.MoveToOuterDisposeScope();
        }

        var groupedInputs = GroupedInputs(x, config, columns);
        var bestError = ScalarOps.Full(groupShape, float.PositiveInfinity, ScalarType.Float32, w.device);
        foreach (float ratio in grid.Ratios())
        {
            using var step = NewDisposeScope();
            var candidate = ScalarOps.Full(groupShape, ratio, ScalarType.Float32, w.device);
            var (scale, zero) = WeightQuantizer.GroupParameters(grouped, config, candidate);
            var codes = UniformQuantMath.Codes(grouped, scale.unsqueeze(-1), zero?.unsqueeze(-1), config.MinCode, config.MaxCode);
            var difference = UniformQuantMath.Values(codes, scale.unsqueeze(-1), zero?.unsqueeze(-1)) - grouped;
            var error = groupedInputs is null
                ? x.matmul(WeightGrouping.Ungroup(difference, rows, columns).t()).Pow(2).sum().reshape(1, 1)
                : groupedInputs.bmm(difference.permute(1, 2, 0)).Pow(2).sum(1).t();
            var better = error.lt(bestError);
            bestError.copy_(where(better, error, bestError));
            bestRatio.copy_(where(better, candidate, bestRatio));
        }

        if (unclippedRows > 0)
        {
            bestRatio.narrow(0, 0, Math.Min(unclippedRows, rows)).FillInPlace(1);
        }

        return bestRatio.MoveToOuterDisposeScope();
    }

    /// <summary>Q(W·diag(s))·diag(1/s): the weight's effective value once s is folded and the folded weight quantized.</summary>
    private static Tensor ScaledFakeQuantize(Tensor weight, WeightQuantConfig config, Tensor scales) =>
        WeightQuantizer.FakeQuantize(weight * scales, config) / scales;

    /// <summary>s = x̄^r (duo: x̄^r / (w̄^(1−r) + 1e-4)), clamped below by 1e-4, over √(max s · min s); non-finite: 1.</summary>
    private static Tensor Scales(Tensor meanAbs, Tensor? weightMean, double ratio)
    {
        using var scope = NewDisposeScope();
        var scales = weightMean is null
            ? meanAbs.Pow(ratio).ClampMin(1e-4)
            : (meanAbs.Pow(ratio) / weightMean.Pow(1 - ratio).Add(1e-4)).ClampMin(1e-4);
        scales = scales / (scales.max() * scales.min()).sqrt();
        return where(scales.isfinite(), scales, ones_like(scales)).MoveToOuterDisposeScope();
    }

    /// <summary>w̄ [K]: mean over the rows of all Linears of |W| divided by the max |W| of its scale group (AutoAWQ).</summary>
    private static Tensor WeightMean(IReadOnlyList<(Tensor Weight, WeightQuantConfig Config)> linears)
    {
        using var scope = NewDisposeScope();
        var normalised = linears.Select(l =>
        {
            var grouped = WeightGrouping.Group(l.Weight.abs(), l.Config);
            var relative = grouped / grouped.amax([-1], keepdim: true).Add(1e-6);
            return WeightGrouping.Ungroup(relative, l.Weight.shape[0], l.Weight.shape[1]);
        }).ToList();
        return cat(normalised, 0).mean([0]).MoveToOuterDisposeScope();
    }

    /// <summary>Tokens as [C, n, L] to match a weight grouped as [R, C, L] (zero padded); null for a per-tensor scale.</summary>
    private static Tensor? GroupedInputs(Tensor tokens, WeightQuantConfig config, long columns)
    {
        long count = tokens.shape[0];
        switch (config.Granularity)
        {
            case WeightGranularity.PerTensor:
                return null;
            case WeightGranularity.PerChannel:
                return tokens.unsqueeze(0);
            default:
                long groups = config.GroupsPerRow(columns);
                long padded = groups * config.GroupSize;
                var full = padded == columns ? tokens : nn.functional.pad(tokens, [0, padded - columns]);
                return full.reshape(count, groups, config.GroupSize).permute(1, 0, 2);
        }
    }
}
