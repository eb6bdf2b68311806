using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using SkiaSharp;
using WmQuant.Reports;

namespace WmQuant.Tests.Reports;

/// <summary>
/// Opens report.html the way a user does (file://, no server) in Debian's Chromium, driven by
/// Playwright's bundled driver (never a downloaded browser), and checks what a person would see.
/// </summary>
[TestFixture]
[Category("Browser")]
public sealed class ReportBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Test]
    public async Task The_html_report_loads_every_image_in_headless_chromium()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Ignore($"{Chromium} is not installed (build/prerequisites.sh installs Debian's chromium).");
        }

        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), folder.Path);
        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "report-screenshots", "report-failed.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        var clock = Stopwatch.StartNew();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Timeout = 60_000 });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 900 } });
        var failedRequests = new List<string>();
        var consoleErrors = new List<string>();
        page.RequestFailed += (_, request) => failedRequests.Add(request.Url);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };

        await page.GotoAsync(new Uri(folder.File(ReportFileNames.Html)).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        var imagesJson = await page.EvaluateAsync<string>(
            "() => JSON.stringify([...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight, i.width]))");
        var verdict = await page.InnerTextAsync("#verdict");
        var failedRowColour = await page.EvaluateAsync<string>(
            "() => getComputedStyle(document.querySelector('tr.gate-failed td')).backgroundColor");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        TestContext.Out.WriteLine($"chromium: {browser.Version}; open, check and screenshot took {clock.Elapsed.TotalSeconds:F1} s; screenshot {screenshot}");
        TestContext.AddTestAttachment(screenshot, "report.html rendered by headless Chromium");
        KeepReportBeside(folder.Path, Path.Combine(Path.GetDirectoryName(screenshot)!, "report-failed"));

        using var images = JsonDocument.Parse(imagesJson);
        var loaded = images.RootElement.EnumerateArray().Select(image => (
            Source: image[0].GetString(),
            Complete: image[1].GetBoolean(),
            NaturalWidth: image[2].GetInt32(),
            NaturalHeight: image[3].GetInt32())).ToArray();
        using var shot = SKBitmap.Decode(screenshot);
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Select(image => image.Source), Is.EqualTo(ReportFileNames.Images));
            foreach (var image in loaded)
            {
                Assert.That(image.Complete && image.NaturalWidth > 0 && image.NaturalHeight > 0, Is.True, $"{image.Source} did not load");
                using var file = SKBitmap.Decode(folder.File(image.Source!));
                Assert.That((image.NaturalWidth, image.NaturalHeight), Is.EqualTo((file.Width, file.Height)), image.Source);
            }

            Assert.That(failedRequests, Is.Empty, "requests that failed");
            Assert.That(consoleErrors, Is.Empty, "console errors (a blocked load shows up here)");
            Assert.That(verdict, Does.StartWith("FAILED: 1 of 2 gates failed"));
            Assert.That(failedRowColour, Is.EqualTo("rgb(253, 236, 234)"), "the inline CSS marks the failed gate row");
            Assert.That(shot, Is.Not.Null);
            Assert.That(shot.Width, Is.EqualTo(1100));
            Assert.That(shot.Height, Is.GreaterThan(900), "a full-page screenshot of a long report");
        });
    }

    /// <summary>Copies the rendered report next to its screenshot, so the files the screenshot shows can be opened too.</summary>
    private static void KeepReportBeside(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }
}
