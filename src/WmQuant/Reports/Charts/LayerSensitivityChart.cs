using ScottPlot;
using ScottPlot.TickGenerators;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Charts;

/// <summary>
/// Per-layer sensitivity as horizontal bars, most harmful layer on top: the layers to keep at
/// higher precision (or to override in the recipe) read off from the top down.
/// </summary>
internal static class LayerSensitivityChart
{
    /// <summary>Most bars drawn; beyond it only the largest changes are shown (and the text says so).</summary>
    public const int MaxBars = 40;

    /// <summary>Width of the chart in pixels (wider than line charts: layer names are long).</summary>
    public const int Width = 900;

    private const int PixelsPerBar = 22;
    private const int FixedHeight = 110;
    private const int MinimumHeight = 240;

    /// <summary>Layers with a finite change, largest change first (ties by name, so the order is stable), cut to <see cref="MaxBars"/>.</summary>
    public static IReadOnlyList<LayerSensitivity> Shown(IEnumerable<LayerSensitivity> layers) =>
        [.. layers
            .Where(layer => double.IsFinite(layer.LossChange))
            .OrderByDescending(layer => layer.LossChange)
            .ThenBy(layer => layer.Layer, StringComparer.Ordinal)
            .Take(MaxBars)];

    /// <summary>Chart height in pixels for <paramref name="bars"/> bars.</summary>
    public static int Height(int bars) => Math.Max(MinimumHeight, FixedHeight + (PixelsPerBar * bars));

    /// <summary>PNG bytes of the chart of <paramref name="shown"/> (as returned by <see cref="Shown"/>; at least one).</summary>
    public static byte[] Render(IReadOnlyList<LayerSensitivity> shown)
    {
        if (shown.Count == 0)
        {
            throw new ArgumentException("No layer: the caller skips this chart.", nameof(shown));
        }

        var plot = ChartCanvas.CreatePlot("Per-layer sensitivity", "change in planning loss (only this layer quantized)", "");
        var ticks = new NumericManual();
        var bars = new List<Bar>(shown.Count);
        for (var i = 0; i < shown.Count; i++)
        {
            // Position 0 is the bottom of the axis: put the first (largest) layer on top.
            double position = shown.Count - 1 - i;
            var change = shown[i].LossChange;
            bars.Add(new Bar
            {
                Position = position,
                Value = change,
                FillColor = change >= 0 ? ChartCanvas.SeriesColor(1) : ChartCanvas.SeriesColor(0),
                LineWidth = 0,
                Orientation = Orientation.Horizontal,
            });
            ticks.AddMajor(position, shown[i].Layer);
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.MajorTickStyle.Length = 0;
        var low = Math.Min(0, shown.Min(layer => layer.LossChange));
        var high = Math.Max(0, shown.Max(layer => layer.LossChange));
        var pad = high > low ? 0.05 * (high - low) : 1;
        plot.Axes.SetLimits(low - pad, high + pad, -0.75, shown.Count - 0.25);
        return ChartCanvas.ToPng(plot, Width, Height(shown.Count));
    }
}
