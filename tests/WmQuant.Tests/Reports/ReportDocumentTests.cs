using System.Globalization;
using System.Text.RegularExpressions;
using WmQuant.Reports;
using WmQuant.Reports.Model;

namespace WmQuant.Tests.Reports;

[TestFixture]
public sealed class ReportDocumentTests
{
    [Test]
    public void Html_escapes_every_text_it_shows()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), folder.Path);
        var html = folder.Read(ReportFileNames.Html);

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("<h1>wall &lt;w4&gt; &amp; &quot;g128&quot; report</h1>"));
            Assert.That(html, Does.Contain("<title>wall &lt;w4&gt; &amp; &quot;g128&quot; report</title>"));
            Assert.That(html, Does.Not.Contain("<w4>"));
            Assert.That(html, Does.Contain("RTN W4 g128 symmetric | predictor only"));
            Assert.That(html, Does.Contain("lower bound 0.67 &lt; 0.85"));
        });
    }

    [Test]
    public void Html_is_standalone_and_references_only_images_next_to_it()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), folder.Path);
        var html = folder.Read(ReportFileNames.Html);
        var sources = Regex.Matches(html, "<img src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Not.Contain("<script").IgnoreCase);
            Assert.That(html, Does.Not.Contain("<link").IgnoreCase);
            Assert.That(html, Does.Not.Contain("http:").And.Not.Contain("https:").And.Not.Contain("url("));
            Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
            Assert.That(sources, Is.EqualTo(ReportFileNames.Images));
            foreach (var source in sources)
            {
                Assert.That(File.Exists(folder.File(source)), Is.True, source);
            }
        });
    }

    [Test]
    public void A_failed_gate_marks_the_page_and_its_row_failed()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), folder.Path);
        var html = folder.Read(ReportFileNames.Html);
        var md = folder.Read(ReportFileNames.Markdown);
        var failedRows = Regex.Matches(html, "<tr class=\"gate-failed\">.*?</tr>").Select(m => m.Value).ToArray();
        var passedRows = Regex.Matches(html, "<tr class=\"gate-passed\">.*?</tr>").Select(m => m.Value).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("<p class=\"verdict failed\" id=\"verdict\">FAILED: 1 of 2 gates failed: success_rate (absolute).</p>"));
            Assert.That(failedRows, Has.Length.EqualTo(1));
            Assert.That(failedRows[0], Does.Contain("✗ FAILED").And.Contain("quantize.yaml:31:5").And.Contain("≥ 0.85"));
            Assert.That(passedRows, Has.Length.EqualTo(1));
            Assert.That(passedRows[0], Does.Contain("quantize.yaml:34:5"));
            Assert.That(md, Does.Contain("> **FAILED: 1 of 2 gates failed: success\\_rate (absolute).**"));
            Assert.That(md, Does.Contain("| ✗ FAILED | success\\_rate | absolute | 0.8 | 0.67 | ≥ 0.85 |"));
        });
    }

    [Test]
    public void A_passed_run_says_so_and_never_says_failed()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Passed(), folder.Path);
        var html = folder.Read(ReportFileNames.Html);
        var md = folder.Read(ReportFileNames.Markdown);

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("<p class=\"verdict passed\" id=\"verdict\">PASSED: the gate passed.</p>"));
            Assert.That(html, Does.Not.Contain("FAILED"));
            Assert.That(md, Does.Contain("> **PASSED: the gate passed.**"));
            Assert.That(md, Does.Not.Contain("FAILED"));
        });
    }

    [Test]
    public void A_run_without_gates_is_reported_as_not_gated()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Minimal(), folder.Path);

        Assert.That(folder.Read(ReportFileNames.Html), Does.Contain("class=\"verdict ungated\"").And.Contain("NOT GATED"));
    }

    [Test]
    public void Tables_list_every_metric_interval_and_point_with_invariant_numbers()
    {
        using var folder = new ReportFolder();
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            ReportWriter.Write(SampleReports.Failed(), folder.Path);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        var html = folder.Read(ReportFileNames.Html);
        var md = folder.Read(ReportFileNames.Markdown);
        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("<tr><td>success_rate</td><td class=\"num\">0.86</td><td class=\"num\">0.8</td><td class=\"num\">-0.06</td></tr>"));
            Assert.That(html, Does.Contain("<tr><td>state_distance</td><td class=\"num\">1.234</td><td class=\"num\">1.5</td><td class=\"num\">+0.266</td></tr>"));
            Assert.That(html, Does.Contain("<tr><td>planning_loss</td><td class=\"num\">—</td><td class=\"num\">0.25</td><td class=\"num\">—</td></tr>"));
            Assert.That(html, Does.Contain("<td>FP baseline</td><td class=\"num\">43</td><td class=\"num\">50</td><td class=\"num\">0.86</td><td class=\"num\">[0.738, 0.93]</td>"));
            Assert.That(Regex.Count(html, "<table id=\"success-points\">"), Is.EqualTo(1));
            Assert.That(md, Does.Contain("| success\\_rate | 0.86 | 0.8 | -0.06 |"));
            Assert.That(md, Does.Contain("| W3 g128 | g128 | 3 | 0.62 | \\[0.48, 0.74\\] |"));
            Assert.That(md, Does.Not.Contain("0,86"));
        });
    }

    [Test]
    public void Markdown_escapes_metacharacters_so_tables_keep_their_columns()
    {
        using var folder = new ReportFolder();
        var report = SampleReports.Failed() with
        {
            Metrics = [new MetricRow("a|b <i>x</i> [link](http://x) *y*", 1, 2)],
        };
        ReportWriter.Write(report, folder.Path);
        var md = folder.Read(ReportFileNames.Markdown);
        var row = md.Split('\n').Single(line => line.Contains("link", StringComparison.Ordinal));

        Assert.Multiple(() =>
        {
            Assert.That(row, Is.EqualTo("| a\\|b \\<i\\>x\\</i\\> \\[link\\](http://x) \\*y\\* | 1 | 2 | +1 |"));
            Assert.That(Regex.Count(row, @"(?<!\\)\|"), Is.EqualTo(5), "unescaped pipes = column borders");
            Assert.That(md, Does.StartWith("# wall \\<w4\\> \\& \"g128\" report\n"));
        });
    }

    [Test]
    public void Markdown_links_every_image_by_relative_name_in_report_order()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), folder.Path);
        var md = folder.Read(ReportFileNames.Markdown);
        var links = Regex.Matches(md, @"!\[[^\]]*\]\(([^)]*)\)").Select(m => m.Groups[1].Value).ToArray();

        Assert.That(links, Is.EqualTo(ReportFileNames.Images));
    }

    [Test]
    public void Empty_series_skip_their_plots_say_so_and_remove_stale_images()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), folder.Path);
        var written = ReportWriter.Write(SampleReports.Minimal(), folder.Path);
        var html = folder.Read(ReportFileNames.Html);
        var md = folder.Read(ReportFileNames.Markdown);

        Assert.Multiple(() =>
        {
            Assert.That(written.Select(Path.GetFileName), Is.EqualTo(new[] { ReportFileNames.SuccessVsBits, ReportFileNames.Markdown, ReportFileNames.Html }));
            Assert.That(Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal),
                Is.EqualTo(new[] { ReportFileNames.Html, ReportFileNames.Markdown, ReportFileNames.SuccessVsBits }));
            Assert.That(html, Does.Contain("<p class=\"skipped\">No planning loss per CEM step in this run; plot skipped.</p>"));
            Assert.That(html, Does.Contain("<p class=\"skipped\">No per-layer sensitivity in this run; plot skipped.</p>"));
            Assert.That(html, Does.Contain("<p class=\"skipped\">No decoder reconstructions in this run; figure skipped.</p>"));
            Assert.That(Regex.Count(html, "<img "), Is.EqualTo(1));
            Assert.That(md, Does.Contain("No per-layer sensitivity in this run; plot skipped."));
            Assert.That(md, Does.Not.Contain(ReportFileNames.LayerSensitivity));
        });
    }

    [Test]
    public void Non_finite_values_are_left_out_of_plots_and_counted()
    {
        using var folder = new ReportFolder();
        var report = SampleReports.Minimal() with
        {
            LossPerCemStep = [new LossSeries("FP", [1, 0.5]), new LossSeries("W3", [1, double.NaN, double.PositiveInfinity])],
            LayerSensitivity = [new LayerSensitivity("a", double.NaN)],
        };
        ReportWriter.Write(report, folder.Path);
        var html = folder.Read(ReportFileNames.Html);

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("FP, W3. 2 non-finite values left out of the plot."));
            Assert.That(html, Does.Contain("No layer has a finite sensitivity; plot skipped."));
            Assert.That(File.Exists(folder.File(ReportFileNames.LossPerCemStep)), Is.True);
        });
    }

    [Test]
    public void No_temporary_files_are_left_behind()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), folder.Path);

        Assert.That(Directory.GetFiles(folder.Path).Select(Path.GetFileName),
            Is.EquivalentTo(ReportFileNames.Images.Append(ReportFileNames.Markdown).Append(ReportFileNames.Html)));
    }
}
