using SkiaSharp;
using WmQuant.Reports;
using WmQuant.Reports.Charts;

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
