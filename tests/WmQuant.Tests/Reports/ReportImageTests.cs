using ScottPlot;
using SkiaSharp;
using WmQuant.Reports;
using WmQuant.Reports.Charts;
using WmQuant.Reports.Model;

namespace WmQuant.Tests.Reports;

[TestFixture]
public sealed class ReportImageTests
{
    private ReportFolder _folder = null!;

    [OneTimeSetUp]
    public void WriteReport()
    {
        _folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), _folder.Path);
    }

    [OneTimeTearDown]
    public void RemoveReport() => _folder.Dispose();

    private static IEnumerable<TestCaseData> ExpectedSizes()
    {
        yield return new TestCaseData(ReportFileNames.SuccessVsBits, 800, 480);
        yield return new TestCaseData(ReportFileNames.LossPerCemStep, 800, 480);
        yield return new TestCaseData(ReportFileNames.LossPerMpcIteration, 800, 480);
        yield return new TestCaseData(ReportFileNames.LayerSensitivity, 900, 240);
        yield return new TestCaseData(ReportFileNames.Reconstructions, 8 + 160 + (3 * 96) + (2 * 4) + 8, 8 + 24 + (3 * 96) + (2 * 4) + 8);
    }

    [TestCaseSource(nameof(ExpectedSizes))]
    public void Each_image_decodes_at_its_fixed_size_and_is_not_blank(string name, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(_folder.File(name));

        Assert.That(bitmap, Is.Not.Null, $"{name} does not decode as an image");
        Assert.Multiple(() =>
        {
            Assert.That(bitmap.Width, Is.EqualTo(width));
            Assert.That(bitmap.Height, Is.EqualTo(height));
            var (variance, inked) = Statistics(bitmap);
            Assert.That(variance, Is.GreaterThan(200), "luminance variance: a blank or flat image has ~0");
            Assert.That(inked, Is.GreaterThan(0.01), "fraction of pixels that are not white");
        });
    }

    [Test]
    public void Html_gives_each_image_its_real_pixel_size()
    {
        var html = _folder.Read(ReportFileNames.Html);
        foreach (var name in ReportFileNames.Images)
        {
            using var bitmap = SKBitmap.Decode(_folder.File(name));
            Assert.That(html, Does.Contain($"<img src=\"{name}\" width=\"{bitmap.Width}\" height=\"{bitmap.Height}\""));
        }
    }

    [Test]
    public void Reconstruction_grid_puts_each_frame_in_its_row_and_column_unblurred()
    {
        using var bitmap = SKBitmap.Decode(_folder.File(ReportFileNames.Reconstructions));
        const int cell = ReconstructionGridImage.Cell + ReconstructionGridImage.Gap;
        var left = ReconstructionGridImage.Margin + ReconstructionGridImage.LabelWidth;
        var top = ReconstructionGridImage.Margin + ReconstructionGridImage.HeaderHeight;

        Assert.Multiple(() =>
        {
            // Each frame's left half is a flat colour per row: real red, FP green, quantized blue (64 px scaled to 96).
            for (var column = 0; column < 3; column++)
            {
                Assert.That(bitmap.GetPixel(left + (column * cell) + 20, top + 40), Is.EqualTo(new SKColor(200, 40, 40)));
                Assert.That(bitmap.GetPixel(left + (column * cell) + 20, top + cell + 40), Is.EqualTo(new SKColor(40, 160, 40)));
                Assert.That(bitmap.GetPixel(left + (column * cell) + 20, top + (2 * cell) + 40), Is.EqualTo(new SKColor(40, 40, 200)));
            }

            // Nearest-neighbour: frame pixel x=40 (ramp 160 + 16·step) covers output columns 60..61 of the cell.
            var ramp = bitmap.GetPixel(left + cell + 61, top + 10);
            Assert.That(ramp.Red, Is.EqualTo((40 * 4) + 16));

            // Row labels are drawn in the label column.
            Assert.That(CountDark(bitmap, ReconstructionGridImage.Margin, top, ReconstructionGridImage.LabelWidth, ReconstructionGridImage.Cell), Is.GreaterThan(20));
        });
    }

    [Test]
    public void Success_error_bars_reach_the_interval_ends_below_and_above_each_point()
    {
        // Lopsided on purpose: 0.5 below the point and 0.1 above it, so a bar drawn upside down cannot pass.
        var point = new SuccessBitsPoint("W4 g128", 4, 0.8, 0.3, 0.9, "g128");
        using var plot = SuccessVsBitsChart.Build([point], fpReference: null);
        var png = ChartCanvas.ToPng(plot, ChartCanvas.Width, ChartCanvas.Height);
        var bar = plot.GetPlottables().OfType<ScottPlot.Plottables.ErrorBar>().Single();
        var limits = bar.GetAxisLimits();

        using var bitmap = SKBitmap.Decode(png);
        var centre = plot.GetPixel(new Coordinates(4, 0.8));
        var upper = plot.GetPixel(new Coordinates(4, 0.9));
        var lower = plot.GetPixel(new Coordinates(4, 0.3));
        var (top, bottom) = VerticalExtent(bitmap, (int)Math.Round(centre.X), ChartCanvas.SeriesColor(0));
        TestContext.Out.WriteLine($"point at y={centre.Y:F1} px; bar drawn from y={top} to y={bottom}; interval ends at {upper.Y:F1} and {lower.Y:F1}");

        Assert.Multiple(() =>
        {
            Assert.That(limits.Bottom, Is.EqualTo(0.3).Within(1e-12), "ScottPlot's own extent of the bar");
            Assert.That(limits.Top, Is.EqualTo(0.9).Within(1e-12));
            Assert.That(top, Is.EqualTo(upper.Y).Within(3), "the bar's top is the interval's upper end");
            Assert.That(bottom, Is.EqualTo(lower.Y).Within(3), "the bar's bottom is the interval's lower end");
            Assert.That(bottom - centre.Y, Is.GreaterThan(3 * (centre.Y - top)), "five times longer below the point than above");
        });
    }

    [Test]
    public void Episodes_still_planning_are_drawn_against_a_right_axis_that_holds_them()
    {
        LossSeries[] series =
        [
            new LossSeries("FP", [0.4, 0.3, 0.2]) { Planning = [50, 31, 4] },
            new LossSeries("W4", [0.5, 0.4, 0.35]) { Planning = [50, 40, 12] },
        ];
        using var plot = LossCurveChart.Build("loss", "MPC iteration", series);
        ChartCanvas.ToPng(plot, ChartCanvas.Width, ChartCanvas.Height);
        var counts = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Where(s => s.Axes.YAxis == plot.Axes.Right).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(counts.Select(s => s.LegendText), Is.EqualTo(new[] { "FP: episodes planning", "W4: episodes planning" }));
            Assert.That(counts[1].Data.GetScatterPoints().Select(p => p.Y), Is.EqualTo(new[] { 50.0, 40, 12 }));
            Assert.That(plot.Axes.Right.Min, Is.EqualTo(0));
            Assert.That(plot.Axes.Right.Max, Is.GreaterThanOrEqualTo(50));
            Assert.That(plot.Axes.Right.Label.Text, Is.EqualTo("episodes still planning"));
        });
    }

    /// <summary>First and last rows, within two pixels of column <paramref name="x"/>, drawn in about <paramref name="color"/>.</summary>
    private static (int Top, int Bottom) VerticalExtent(SKBitmap bitmap, int x, ScottPlot.Color color)
    {
        int top = int.MaxValue, bottom = int.MinValue;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var dx = -2; dx <= 2; dx++)
            {
                var pixel = bitmap.GetPixel(x + dx, y);
                if (Math.Abs(pixel.Red - color.R) + Math.Abs(pixel.Green - color.G) + Math.Abs(pixel.Blue - color.B) < 60)
                {
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }

        return (top, bottom);
    }

    private static (double Variance, double Inked) Statistics(SKBitmap bitmap)
    {
        double sum = 0, sumSquares = 0;
        long inked = 0;
        var pixels = bitmap.Pixels;
        foreach (var pixel in pixels)
        {
            var luminance = (0.299 * pixel.Red) + (0.587 * pixel.Green) + (0.114 * pixel.Blue);
            sum += luminance;
            sumSquares += luminance * luminance;
            if (pixel.Red < 250 || pixel.Green < 250 || pixel.Blue < 250)
            {
                inked++;
            }
        }

        var mean = sum / pixels.Length;
        return ((sumSquares / pixels.Length) - (mean * mean), (double)inked / pixels.Length);
    }

    private static int CountDark(SKBitmap bitmap, int x0, int y0, int width, int height)
    {
        var dark = 0;
        for (var y = y0; y < y0 + height; y++)
        {
            for (var x = x0; x < x0 + width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                if (pixel.Red < 100 && pixel.Green < 100 && pixel.Blue < 100)
                {
                    dark++;
                }
            }
        }

        return dark;
    }
}
