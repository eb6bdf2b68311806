using ScottPlot;

namespace WmQuant.Reports.Charts;

/// <summary>
/// Creates plots in the report's fixed look and turns them into PNG bytes at a fixed pixel size
/// (no DPI scaling, no timestamps), so identical data gives identical files.
/// </summary>
internal static class ChartCanvas
{
    /// <summary>Width of every line chart, in pixels.</summary>
    public const int Width = 800;

    /// <summary>Height of every line chart, in pixels.</summary>
    public const int Height = 480;

    /// <summary>Colours of successive series, fixed so a series keeps its colour across reports.</summary>
    public static readonly Color[] SeriesColors =
    [
        Color.FromHex("#1f77b4"),
        Color.FromHex("#d62728"),
        Color.FromHex("#2ca02c"),
        Color.FromHex("#9467bd"),
        Color.FromHex("#ff7f0e"),
        Color.FromHex("#8c564b"),
        Color.FromHex("#e377c2"),
        Color.FromHex("#17becf"),
    ];

    /// <summary>A new plot with the report font on every text element and font guessing off.</summary>
    public static Plot CreatePlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Font.Set(ChartFont.ScottPlotFamily);
        plot.Legend.FontName = ChartFont.ScottPlotFamily;
        plot.Legend.SetBestFontOnEachRender = false;
        return plot;
    }

    /// <summary>The colour of series number <paramref name="index"/>.</summary>
    public static Color SeriesColor(int index) => SeriesColors[index % SeriesColors.Length];

    /// <summary>Renders <paramref name="plot"/> to PNG bytes of exactly <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public static byte[] ToPng(Plot plot, int width, int height) => plot.GetImageBytes(width, height, ImageFormat.Png);
}
