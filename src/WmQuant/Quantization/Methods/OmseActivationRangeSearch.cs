using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
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
    /// <remarks>
    /// All ratios are tried in batched tensor operations (in chunks bounded to about 4M elements), with the very
    /// scale and code arithmetic of <see cref="ActivationQuantizer.FakeQuantizePerTensor"/>; the reported errors
    /// of the chosen and the unclipped range are then recomputed through that function itself.
    /// </remarks>
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
        var values = tokens.to_type(ScalarType.Float32).reshape(1, -1);
        float[] ratios = grid.Ratios();
        long chunk = Math.Max(1, (4L << 20) / Math.Max(1, values.shape[1]));
        double bestError = double.PositiveInfinity;
        double bestRatio = 1;
        for (int first = 0; first < ratios.Length; first += (int)chunk)
        {
            using var step = NewDisposeScope();
            var part = ratios.Skip(first).Take((int)chunk).ToArray();
            // Exactly what ActivationQuantizer does per range: scale the double range, include zero, cast to float32.
            var lo = tensor(part.Select(r => (float)Math.Min(range.Scaled(r).Min, 0)).ToArray(), ScalarType.Float32).to(values.device).unsqueeze(1);
            var hi = tensor(part.Select(r => (float)Math.Max(range.Scaled(r).Max, 0)).ToArray(), ScalarType.Float32).to(values.device).unsqueeze(1);
            var (scale, zero) = UniformQuantMath.Parameters(lo, hi, config.Bits, config.Symmetric, storage: null);
            var codes = UniformQuantMath.Codes(values, scale, zero, config.MinCode, config.MaxCode);
            var errors = (UniformQuantMath.Values(codes, scale, zero) - values).to_type(ScalarType.Float64).Pow(2).sum([1]).cpu().data<double>().ToArray();
            for (int i = 0; i < errors.Length; i++)
            {
                if (errors[i] < bestError)
                {
                    bestError = errors[i];
                    bestRatio = part[i];
                }
            }
        }

        var chosen = range.Scaled(bestRatio);
        return new ActivationRangeChoice(chosen, bestRatio, Mse(tokens, chosen, config), Mse(tokens, range, config), grid.ToString());
    }

    /// <summary>Mean squared error of fake-quantizing <paramref name="tokens"/> with one static range.</summary>
    public static double Mse(Tensor tokens, ActivationRange range, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = NewDisposeScope();
        var values = tokens.to_type(ScalarType.Float32);
        return (ActivationQuantizer.FakeQuantizePerTensor(values, range, config) - values).to_type(ScalarType.Float64).Pow(2).mean().item<double>();
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
