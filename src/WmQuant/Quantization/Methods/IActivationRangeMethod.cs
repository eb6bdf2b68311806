using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Quantization.Methods;

/// <summary>Chooses the static per-tensor range of a layer's input from its calibration statistics.</summary>
public interface IActivationRangeMethod
{
    /// <summary>Short name recorded in reports and metadata ("minmax", "omse").</summary>
    string Name { get; }

    /// <summary>The range to quantize <paramref name="statistics"/>' layer input with, and its error on the sampled tokens.</summary>
    ActivationRangeChoice Choose(LayerActivationStatistics statistics, ActivationQuantConfig config);
}

/// <summary>RTN for activations: the observed (min, max) of the calibration inputs, unclipped.</summary>
public sealed class MinMaxActivationRange : IActivationRangeMethod
{
    /// <inheritdoc/>
    public string Name => "minmax";

    /// <inheritdoc/>
    public ActivationRangeChoice Choose(LayerActivationStatistics statistics, ActivationQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(config);
        var range = new ActivationRange(statistics.Min, statistics.Max);
        const string grid = "1 (min/max, no search)";
        if (statistics.ReservoirCount == 0)
        {
            return new ActivationRangeChoice(range, 1, double.NaN, double.NaN, grid);
        }

        using var tokens = statistics.SampledTokens();
        double mse = OmseActivationRangeSearch.Mse(tokens, range, config);
        return new ActivationRangeChoice(range, 1, mse, mse, grid);
    }
}

/// <summary>OMSE for activations: shrinks the calibrated range to the ratio with the least error on the stored tokens.</summary>
/// <param name="grid">Ratios to try; <see cref="ShrinkGrid.Default"/> when null.</param>
public sealed class OmseActivationRange(ShrinkGrid? grid = null) : IActivationRangeMethod
{
    /// <summary>The ratios searched.</summary>
    public ShrinkGrid Grid { get; } = grid ?? ShrinkGrid.Default;

    /// <inheritdoc/>
    public string Name => "omse";

    /// <inheritdoc/>
    public ActivationRangeChoice Choose(LayerActivationStatistics statistics, ActivationQuantConfig config) =>
        OmseActivationRangeSearch.Search(statistics, config, Grid);
}
