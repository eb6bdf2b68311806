using ScottPlot;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Charts;

/// <summary>
/// Success rate against weight bits, one line per group (e.g. per-channel vs g128), each point
/// with its interval as an error bar, and the FP model as a dashed line over its interval band:
/// the picture that says how far the bits can go down before planning breaks.
/// </summary>
internal static class SuccessVsBitsChart
{
    /// <summary>Points drawable on the chart (finite coordinates); others are left out and counted by the report text.</summary>
    public static IReadOnlyList<SuccessBitsPoint> Drawable(IEnumerable<SuccessBitsPoint> points) =>
        [.. points.Where(p => double.IsFinite(p.Bits) && double.IsFinite(p.Success))];

    /// <summary>PNG bytes of the chart; <paramref name="points"/> must contain at least one drawable point.</summary>
    public static byte[] Render(IReadOnlyList<SuccessBitsPoint> points, SuccessInterval? fpReference)
    {
        using var plot = Build(points, fpReference);
        return ChartCanvas.ToPng(plot, ChartCanvas.Width, ChartCanvas.Height);
    }

    /// <summary>The chart as a plot (tests read its geometry); <paramref name="points"/> must contain at least one drawable point.</summary>
    public static Plot Build(IReadOnlyList<SuccessBitsPoint> points, SuccessInterval? fpReference)
    {
        var drawable = Drawable(points);
        if (drawable.Count == 0)
        {
            throw new ArgumentException("No drawable point: the caller skips this chart.", nameof(points));
        }

        var plot = ChartCanvas.CreatePlot("Success rate vs weight bits", "weight bits", "success rate");
        if (fpReference is { } fp && double.IsFinite(fp.Rate))
        {
            var band = plot.Add.VerticalSpan(Clamp(fp.Lower), Clamp(fp.Upper), Colors.Gray.WithAlpha(0.15));
            band.LineWidth = 0;
            var line = plot.Add.HorizontalLine(fp.Rate, 2, Colors.Black, LinePattern.Dashed);
            line.LegendText = $"{fp.Label} (band: {fp.Method})";
        }

        var groups = drawable.GroupBy(p => p.Group, StringComparer.Ordinal).ToArray();
        for (var g = 0; g < groups.Length; g++)
        {
            var ordered = groups[g].OrderBy(p => p.Bits).ToArray();
            var color = ChartCanvas.SeriesColor(g);
            double[] xs = [.. ordered.Select(p => p.Bits)];
            double[] ys = [.. ordered.Select(p => p.Success)];
            double[] below = [.. ordered.Select(p => Gap(p.Success - p.Lower))];
            double[] above = [.. ordered.Select(p => Gap(p.Upper - p.Success))];
            double[] none = new double[xs.Length];
            // Named properties, not the constructor: its order (positive before negative) once drew every bar upside down.
            var errors = new ScottPlot.Plottables.ErrorBar(xs, ys, none, none, none, none)
            {
                YErrorPositive = above,
                YErrorNegative = below,
                Color = color,
            };
            errors.LineWidth = 1.5f;
            plot.Add.Plottable(errors);
            var series = plot.Add.Scatter(xs, ys, color);
            series.LegendText = groups[g].Key;
            series.MarkerSize = 8;
            series.LineWidth = 2;
        }

        double[] bitsUsed = [.. drawable.Select(p => p.Bits)];
        plot.Axes.Bottom.TickGenerator = ChartTicks.AtValues(bitsUsed);
        plot.Axes.SetLimitsX(bitsUsed.Min() - 0.5, bitsUsed.Max() + 0.5);
        plot.Axes.SetLimitsY(0, 1.05);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static double Clamp(double rate) => double.IsFinite(rate) ? Math.Clamp(rate, 0, 1) : 0;

    private static double Gap(double length) => double.IsFinite(length) ? Math.Max(0, length) : 0;
}
