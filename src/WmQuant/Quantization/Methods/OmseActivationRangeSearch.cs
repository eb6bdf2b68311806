using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>The outcome of an activation range search.</summary>
/// <param name="Range">The range to quantize with (the calibrated range times <paramref name="Ratio"/>).</param>
/// <param name="Ratio">Chosen shrink ratio.</param>
/// <param name="Mse">Mean squared fake-quant error on the calibration tokens with the chosen range.</param>
/// <param name="UnclippedMse">The same error with the full calibrated range (ratio 1).</param>
/// <param name="Grid">The grid searched.</param>
public sealed record ActivationRangeChoice(ActivationRange Range, double Ratio, double Mse, double UnclippedMse, string Grid);

/// <summary>
/// OMSE for static per-tensor activations: shrinks the calibrated (min, max) range by the grid ratio whose
/// fake-quantization of the stored calibration tokens has the least squared error.
/// </summary>
public static class OmseActivationRangeSearch
{
    /// <summary>Searches on tokens [..., K] starting from the calibrated <paramref name="range"/>.</summary>
    /// <exception cref="ArgumentException">The config is not static per-tensor (dynamic ranges are not searched).</exception>
    public static ActivationRangeChoice Search(Tensor tokens, ActivationRange range, ActivationQuantConfig config, ShrinkGrid? grid = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(config);
        if (config.Granularity != ActivationGranularity.PerTensorStatic || config.IsBypass)
        {
            throw new ArgumentException($"Range search applies to static per-tensor activations, not {config}.", nameof(config));
        }

        grid ??= ShrinkGrid.Default;
        using var scope = NewDisposeScope();
        var values = tokens.to_type(ScalarType.Float32);
        double bestMse = double.PositiveInfinity;
        double bestRatio = 1;
        double unclipped = double.NaN;
        foreach (float ratio in grid.Ratios())
        {
            using var step = NewDisposeScope();
            var fake = ActivationQuantizer.FakeQuantizePerTensor(values, range.Scaled(ratio), config);
            double mse = (fake - values).to_type(ScalarType.Float64).square().mean().item<double>();
            if (double.IsNaN(unclipped))
            {
                unclipped = mse;
            }

            if (mse < bestMse)
            {
                bestMse = mse;
                bestRatio = ratio;
            }
        }

        return new ActivationRangeChoice(range.Scaled(bestRatio), bestRatio, bestMse, unclipped, grid.ToString());
    }

    /// <summary>Searches on a layer's sampled calibration tokens from its observed (min, max).</summary>
    public static ActivationRangeChoice Search(LayerActivationStatistics statistics, ActivationQuantConfig config, ShrinkGrid? grid = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (statistics.TokensSeen == 0)
        {
            throw new ArgumentException($"Layer '{statistics.Layer}' has no calibration tokens.", nameof(statistics));
        }

        using var tokens = statistics.SampledTokens();
        return Search(tokens, new ActivationRange(statistics.Min, statistics.Max), config, grid);
    }
}
