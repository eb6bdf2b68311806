using System.Diagnostics;
using Microsoft.Playwright;
using SkiaSharp;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Recipes;
using WmQuant.Reports;
using WmQuant.Tests.Recipes;

namespace WmQuant.Tests.Reports;

/// <summary>
/// The report of a real run (the manifest of <c>wmq run quantize.yaml</c>, kept under Reports/Data) rendered by the
/// report builder and opened in Debian's headless Chromium: the statement that quantization was simulated and the
/// lost and gained seeds must be on the first screen. With <c>WMQ_UPDATE_DOCS=1</c> the screenshot is also copied to
/// build/docs/report-screenshot.png, the picture README.md shows.
/// </summary>
[TestFixture]
[Category("Browser")]
public sealed class ReportScreenshotTests
{
    /// <summary>Where README.md links the screenshot from.</summary>
    public const string DocsScreenshot = "build/docs/report-screenshot.png";

    private const string Chromium = "/usr/bin/chromium";
    private const string Manifest = "tests/WmQuant.Tests/Reports/Data/wall-dinowm-w4g128.manifest.json";
    private const int Width = 1100;
    private const int Height = 1500;

    [Test]
    public async Task A_real_runs_report_shows_the_simulation_statement_and_the_lost_and_gained_seeds_on_its_first_screen()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Ignore($"{Chromium} is not installed (build/prerequisites.sh installs Debian's chromium).");
        }

        var manifest = ArtifactManifest.Load(RepositoryFiles.PathOf(Manifest));
        var recipe = RecipeLoader.Load(RepositoryFiles.PathOf("quantize.yaml"), new RecipeLoadOptions { CheckFiles = false }).Recipes.Single();
        var report = RunReportBuilder.Build(manifest, recipe);
        using var folder = new ReportFolder();
        ReportWriter.Write(report, folder.Path);
        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-screenshots", "report-screenshot.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        var clock = Stopwatch.StartNew();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Timeout = 60_000 });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = Width, Height = Height }, DeviceScaleFactor = 1 });
        await page.GotoAsync(new Uri(folder.File(ReportFileNames.Html)).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        var note = await Box(page, "#simulated");
        var seeds = await Box(page, "#lost-gained");
        var noteText = await page.InnerTextAsync("#simulated");
        var seedsText = await page.InnerTextAsync("#lost-gained");
        var pairedText = await page.InnerTextAsync("#paired-difference");
        var noteVisible = await page.Locator("#simulated").IsVisibleAsync();
        var seedsVisible = await page.Locator("#lost-gained").IsVisibleAsync();
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = false });
        TestContext.Out.WriteLine($"chromium {browser.Version}: open, read and screenshot took {clock.Elapsed.TotalSeconds:F1} s; {screenshot}");
        TestContext.Out.WriteLine($"#simulated at y {note.Y:F0}..{note.Y + note.Height:F0}, #lost-gained at y {seeds.Y:F0}..{seeds.Y + seeds.Height:F0}");
        TestContext.Out.WriteLine(pairedText);
        TestContext.Out.WriteLine(seedsText);
        TestContext.AddTestAttachment(screenshot, "the report of a real run in headless Chromium");
        if (Environment.GetEnvironmentVariable("WMQ_UPDATE_DOCS") == "1")
        {
            File.Copy(screenshot, RepositoryFiles.PathOf(DocsScreenshot), overwrite: true);
        }

        var paired = report.Paired!;
        using var shot = SKBitmap.Decode(screenshot);
        Assert.Multiple(() =>
        {
            Assert.That(noteVisible && seedsVisible, Is.True, "both are displayed");
            Assert.That(note.Y + note.Height, Is.LessThanOrEqualTo(Height), "the statement is on the first screen");
            Assert.That(seeds.Y + seeds.Height, Is.LessThanOrEqualTo(Height), "the lost and gained seeds are on the first screen");
            Assert.That(noteText, Does.StartWith("Simulated quantization:").And.Contain("Nothing here ran faster or in less memory"));
            Assert.That(seedsText, Does.Contain("Lost seeds").And.Contain("Gained seeds"));
            Assert.That(seedsText, Does.Contain(paired.LostSeeds.Count == 0 ? "none" : string.Join(", ", paired.LostSeeds)));
            Assert.That(pairedText, Does.StartWith("Quantized − FP success rate:").And.Contain($"over {paired.Pairs} seeds both models played"));
            Assert.That((shot.Width, shot.Height), Is.EqualTo((Width, Height)));

            // The picture itself shows them: the note's pale yellow fill, and dark text in the seeds' rows.
            Assert.That(shot.GetPixel((int)(note.X + note.Width - 4), (int)(note.Y + 3)), Is.EqualTo(new SKColor(0xff, 0xf8, 0xe1)));
            Assert.That(DarkPixels(shot, seeds), Is.GreaterThan(200), "text drawn in the lost/gained box");
            Assert.That(File.Exists(RepositoryFiles.PathOf(DocsScreenshot)), Is.True, $"{DocsScreenshot}, which README.md shows");
        });
    }

    private static async Task<LocatorBoundingBoxResult> Box(IPage page, string selector) =>
        await page.Locator(selector).BoundingBoxAsync() ?? throw new AssertionException($"{selector} has no box: it is not rendered");

    private static int DarkPixels(SKBitmap bitmap, LocatorBoundingBoxResult box)
    {
        var dark = 0;
        for (var y = (int)box.Y; y < Math.Min(bitmap.Height, (int)(box.Y + box.Height)); y++)
        {
            for (var x = (int)box.X; x < Math.Min(bitmap.Width, (int)(box.X + box.Width)); x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (p.Red < 90 && p.Green < 90 && p.Blue < 90)
                {
                    dark++;
                }
            }
        }

        return dark;
    }
}
