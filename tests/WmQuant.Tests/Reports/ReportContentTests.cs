using System.Text.RegularExpressions;
using WmQuant.Gates.Statistics;
using WmQuant.Reports;
using WmQuant.Reports.Model;

namespace WmQuant.Tests.Reports;

/// <summary>The sections a reviewer reads: seeds lost and gained, the paired difference, layers, sizes, provenance.</summary>
[TestFixture]
public sealed class ReportContentTests
{
    private ReportFolder _folder = null!;
    private string _html = "";
    private string _md = "";

    [OneTimeSetUp]
    public void WriteReport()
    {
        _folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed(), _folder.Path);
        _html = _folder.Read(ReportFileNames.Html);
        _md = _folder.Read(ReportFileNames.Markdown);
    }

    [OneTimeTearDown]
    public void RemoveReport() => _folder.Dispose();

    [Test]
    public void Both_documents_say_near_the_top_that_quantization_was_simulated()
    {
        const string Statement = "Simulated quantization: planning ran with the quantized weights dequantized back to floating point";

        Assert.Multiple(() =>
        {
            Assert.That(_html, Does.Contain($"<p class=\"note\" id=\"simulated\">{Statement}"));
            Assert.That(_html, Does.Contain("Nothing here ran faster or in less memory; only the packed file is smaller."));
            Assert.That(_html.IndexOf("id=\"simulated\"", StringComparison.Ordinal), Is.LessThan(_html.IndexOf("<h2>", StringComparison.Ordinal)),
                "before the first section");
            Assert.That(_md, Does.Contain("\n> " + Statement));
        });
    }

    [Test]
    public void Lost_and_gained_seeds_are_listed_with_the_paired_difference_and_its_interval()
    {
        // 10 seeds: 2 lost (199, 595), 1 gained (892), 7 reached by both. The interval [-0.4535, 0.2801] was computed
        // apart from this code, by solving Tango's score equation (Tango 1998) for b = 2, c = 1, n = 10 at z = 1.96.
        var (lower, upper) = PairedDifferenceInterval.Tango(2, 1, 10, 0.95);
        var paired = SampleReports.Failed().Paired!;

        Assert.Multiple(() =>
        {
            Assert.That(paired.LostSeeds, Is.EqualTo(new[] { 199, 595 }));
            Assert.That(paired.GainedSeeds, Is.EqualTo(new[] { 892 }));
            Assert.That(paired.Difference, Is.EqualTo(-0.1).Within(1e-15));
            Assert.That((paired.Lower, paired.Upper), Is.EqualTo((lower, upper)));
            Assert.That(lower, Is.EqualTo(-0.45354).Within(5e-5));
            Assert.That(upper, Is.EqualTo(0.28005).Within(5e-5));
            Assert.That(paired.McNemarP, Is.EqualTo(1.0), "2 lost against 1 gained is no evidence either way");
            Assert.That(_html, Does.Contain(
                "<p id=\"paired-difference\">Quantized − FP success rate: -0.1, 95% Tango score interval [-0.4535, 0.2801], over 10 seeds both models played: "
                + "2 lost, 1 gained, 7 reached by both, 0 by neither; two-sided exact McNemar p = 1."));
            Assert.That(_html, Does.Contain(
                "<table class=\"facts\" id=\"lost-gained\">\n<tr><th>Lost seeds (2: FP reached the goal, quantized did not)</th><td>199, 595</td></tr>\n"
                + "<tr><th>Gained seeds (1: quantized reached the goal, FP did not)</th><td>892</td></tr>"));
            Assert.That(_md, Does.Contain("- **Lost seeds (2: FP reached the goal, quantized did not):** 199, 595\n"));
            Assert.That(_md, Does.Contain("- **Gained seeds (1: quantized reached the goal, FP did not):** 892\n"));
        });
    }

    [Test]
    public void Every_seed_has_a_row_and_the_changed_ones_are_marked()
    {
        var rows = Regex.Matches(_html, "<tr( class=\"[^\"]*\")?><td class=\"num\">(\\d+)</td><td>[✓✗]").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(r => r.Item2), Is.EqualTo(SampleReports.EpisodeRows().Select(e => e.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            Assert.That(rows.Where(r => r.Item1.Length > 0), Is.EqualTo(new[]
            {
                (" class=\"seed-lost\"", "199"), (" class=\"seed-lost\"", "595"), (" class=\"seed-gained\"", "892"),
            }));
            Assert.That(_html, Does.Contain(
                "<tr class=\"seed-lost\"><td class=\"num\">199</td><td>✓ reached</td><td>✗ missed</td><td>lost</td>"
                + "<td class=\"num\">0.7</td><td class=\"num\">12.5</td><td class=\"num\">5</td><td class=\"num\">15</td></tr>"));
            Assert.That(_md, Does.Contain("| 892 | ✗ missed | ✓ reached | gained | 14.25 | 1.65 | 15 | 4 |"));
        });
    }

    [Test]
    public void Seeds_only_one_model_played_are_shown_but_left_out_of_the_pairing()
    {
        using var folder = new ReportFolder();
        var report = SampleReports.Failed() with
        {
            Episodes = [.. SampleReports.EpisodeRows(), new EpisodeRow(991, null, new EpisodeResult(true, 0.5, 3))],
        };
        ReportWriter.Write(report, folder.Path);
        var html = folder.Read(ReportFileNames.Html);

        Assert.Multiple(() =>
        {
            Assert.That(report.Paired!.Pairs, Is.EqualTo(10));
            Assert.That(report.Paired.Unpaired, Is.EqualTo(1));
            Assert.That(html, Does.Contain("over 10 seeds both models played").And.Contain("1 seed played by one model only is left out."));
            Assert.That(html, Does.Contain("<tr><td class=\"num\">991</td><td>—</td><td>✓ reached</td><td>one model only</td>"));
        });
    }

    [Test]
    public void Without_episodes_the_sections_say_why_they_are_empty()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Minimal(), folder.Path);
        var html = folder.Read(ReportFileNames.Html);

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Contain("<p class=\"skipped\">No seed was evaluated with both models; nothing to pair.</p>"));
            Assert.That(html, Does.Contain("<p class=\"skipped\">No episodes were evaluated in this run.</p>"));
            Assert.That(html, Does.Contain("<p class=\"skipped\">No provenance in this run.</p>"));
            Assert.That(html, Does.Not.Contain("id=\"lost-gained\""));
        });
    }

    [Test]
    public void The_layer_table_gives_bits_group_size_errors_and_the_scanned_sensitivity()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_md, Does.Contain("| Layer | Bits | Group size | Inputs | Weight MSE | Relative output error (held out) | Sensitivity (Δ planning loss) |"));
            Assert.That(_md, Does.Contain("| encoder.blocks.0.attn.qkv | 8 | per channel | none | 1.2E-06 | 0.00034 | — |"));
            Assert.That(_md, Does.Contain("| predictor.blocks.0.attn.qkv | 4 | 128 | none | 2.5E-05 | 0.0123 | +0.02 |"));
            Assert.That(_md, Does.Contain("| predictor.blocks.5.mlp.fc2 | 4 | 128 | A8 per-token | 3.1E-05 | — | +0.11 |"));
            Assert.That(_md, Does.Contain("| predictor.head | float | — | none | 0 | — | — |"));
            Assert.That(_html, Does.Contain("<tr><td>predictor.blocks.0.attn.qkv</td><td class=\"num\">4</td><td>128</td><td>none</td>"));
        });
    }

    [Test]
    public void Without_a_sensitivity_scan_the_layer_table_has_no_sensitivity_column()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Failed() with { LayerSensitivity = [] }, folder.Path);
        var md = folder.Read(ReportFileNames.Markdown);

        Assert.Multiple(() =>
        {
            Assert.That(md, Does.Contain("| Layer | Bits | Group size | Inputs | Weight MSE | Relative output error (held out) |\n"));
            Assert.That(md, Does.Not.Contain("Sensitivity"));
        });
    }

    [Test]
    public void Sizes_are_in_megabytes_and_bits_per_weight_never_in_exponent_notation()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_html, Does.Contain("<tr><th>FP32 weights</th><td>13.94 MB (3,485,184 parameters)</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><th>Packed weights</th><td>4.99 MB, 2.79× smaller</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><th>Bits per quantized weight</th><td>4.125 (codes, scales and zero points of 3,145,728 weights)</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><th>Bits per parameter, whole model</th><td>11.45 (float tensors included; FP32 is 32)</td></tr>"));
            Assert.That(Regex.Matches(_md, @"\d\.?\d*E\+\d+"), Is.Empty, "no 3.47E+06 anywhere");
        });
    }

    [Test]
    public void Provenance_names_the_tool_commit_hashes_and_planner_settings_of_each_evaluation()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_html, Does.Contain("<tr><th>Tool</th><td>wmq 0.1.0</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><th>Commit</th><td><code>39475ddaf912a941e58171a51ec3622bc29f7f84</code></td></tr>"));
            Assert.That(_html, Does.Contain($"<tr><th>Recipe SHA-256</th><td><code>{new string('a', 64)}</code></td></tr>"));
            Assert.That(_html, Does.Contain($"<tr><th>Packed artifact digest (config.json and weight files)</th><td><code>{new string('c', 64)}</code></td></tr>"));
            Assert.That(_html, Does.Contain("<tr><th>Setting</th><th>FP baseline</th><th>Quantized</th></tr>"));
            Assert.That(_html, Does.Contain("<tr><td>Planner</td><td>mpc-cem</td><td>mpc-cem</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><td>Horizon</td><td>5</td><td>5</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><td>MPC iterations (cap)</td><td>15</td><td>15</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><td>Samples</td><td>300</td><td>300</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><td>Episode seeds</td><td>99·n + 1 for n = 0…9 (1 … 892)</td><td>99·n + 1 for n = 0…9 (1 … 892)</td></tr>"));
            Assert.That(_html, Does.Contain("<tr><td>Precision</td><td>fp32</td><td>fp32</td></tr>"));
            Assert.That(_md, Does.Contain("- **Commit:** `39475ddaf912a941e58171a51ec3622bc29f7f84`\n"));
        });
    }

    [Test]
    public void Loss_per_mpc_iteration_comes_with_the_episodes_still_planning()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_html, Does.Contain("mean over the episodes still planning in it; dashed, right axis: how many"));
            Assert.That(_md, Does.Contain("| MPC iteration | FP loss | FP episodes planning | W4 g128 loss | W4 g128 episodes planning |"));
            Assert.That(_md, Does.Contain("| 4 | 0.15 | 5 | 0.24 | 7 |"));
            Assert.That(_md, Does.Contain("| 5 | 0.1 | 2 | 0.2 | 4 |"));
        });
    }

    [Test]
    public void Sections_come_in_the_order_a_reviewer_reads_them()
    {
        string[] headings = [.. Regex.Matches(_html, "<h2>([^<]*)</h2>").Select(m => m.Groups[1].Value)];

        Assert.That(headings, Is.EqualTo(new[]
        {
            "Metrics", "Success rates", "Quantized vs FP, seed by seed", "Gates", "Size", "Per-layer error",
            "Success rate vs bits", "Planning loss per CEM step", "Planning loss per MPC iteration", "Per-layer sensitivity",
            "Decoder reconstructions", "Episodes", "Provenance",
        }));
    }
}
