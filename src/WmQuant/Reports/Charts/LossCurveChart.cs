using ScottPlot;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Charts;

/// <summary>
/// Planning loss against optimisation step (or MPC iteration), one line per model, so a
/// quantized model that optimises to a worse plan, or more slowly, is visible at once. Where a
/// series knows how many episodes were still planning at each iteration, those counts are drawn
/// as dashed lines against a right-hand axis: a late mean over few struggling episodes is not a
/// mean over all of them.
/// </summary>
internal static class LossCurveChart
{
    /// <summary>Number of finite values across <paramref name="series"/>: zero means there is nothing to draw.</summary>
    public static int FiniteCount(IEnumerable<LossSeries> series) =>
        series.Sum(s => s.Values.Count(double.IsFinite));

    /// <summary>Number of non-finite values across <paramref name="series"/> (left out of the plot).</summary>
    public static int NonFiniteCount(IEnumerable<LossSeries> series) =>
        series.Sum(s => s.Values.Count(v => !double.IsFinite(v)));

    /// <summary>PNG bytes of the chart; the series must hold at least one finite value.</summary>
    public static byte[] Render(string title, string xLabel, IReadOnlyList<LossSeries> series)
    {
        using var plot = Build(title, xLabel, series);
        return ChartCanvas.ToPng(plot, ChartCanvas.Width, ChartCanvas.Height);
    }

    /// <summary>The chart as a plot (tests read its geometry); the series must hold at least one finite value.</summary>
    public static Plot Build(string title, string xLabel, IReadOnlyList<LossSeries> series)
    {
        if (FiniteCount(series) == 0)
        {
            throw new ArgumentException("No finite value: the caller skips this chart.", nameof(series));
        }

        var plot = ChartCanvas.CreatePlot(title, xLabel, "planning loss");
        var steps = new List<double>();
        for (var s = 0; s < series.Count; s++)
        {
            var points = series[s].Values
                .Select((value, index) => (Step: index + 1.0, Value: value))
                .Where(point => double.IsFinite(point.Value))
                .ToArray();
            if (points.Length == 0)
            {
                continue;
            }

            double[] xs = [.. points.Select(point => point.Step)];
            double[] ys = [.. points.Select(point => point.Value)];
            steps.AddRange(xs);
            var line = plot.Add.Scatter(xs, ys, ChartCanvas.SeriesColor(s));
            line.LegendText = series[s].Label;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }

        AddPlanningCounts(plot, series, steps);
        plot.Axes.Bottom.TickGenerator = ChartTicks.AtValues(steps);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Episodes still planning per iteration, dashed, in each series' colour, on the right axis.</summary>
    private static void AddPlanningCounts(Plot plot, IReadOnlyList<LossSeries> series, List<double> steps)
    {
        int most = 0;
        for (var s = 0; s < series.Count; s++)
        {
            var planning = series[s].Planning;
            if (planning.Count == 0)
            {
                continue;
            }

            double[] xs = [.. Enumerable.Range(1, planning.Count).Select(i => (double)i)];
            double[] ys = [.. planning.Select(count => (double)count)];
            steps.AddRange(xs);
            most = Math.Max(most, planning.Max());
            var line = plot.Add.Scatter(xs, ys, ChartCanvas.SeriesColor(s));
            line.LegendText = $"{series[s].Label}: episodes planning";
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.MarkerSize = 0;
            line.Axes.YAxis = plot.Axes.Right;
        }

        if (most > 0)
        {
            plot.Axes.Right.Label.Text = "episodes still planning";
            plot.Axes.Right.Label.FontName = ChartFont.ScottPlotFamily;
            plot.Axes.Right.TickLabelStyle.FontName = ChartFont.ScottPlotFamily;
            plot.Axes.SetLimitsY(0, most * 1.08, plot.Axes.Right);
        }
    }
}
