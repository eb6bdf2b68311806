using System.Globalization;
using System.Net;
using System.Text;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Documents;

/// <summary>
/// The report as one standalone HTML page: inline CSS, no scripts, fonts or remote URLs, images by
/// relative file name (so the artifact folder is browsable as is, offline). A content security
/// policy forbids anything else from loading. Every piece of text is HTML-escaped.
/// </summary>
internal static class HtmlReport
{
    private const string Css = """
        body { font-family: sans-serif; color: #1b1b1b; max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
        h1 { font-size: 1.6em; margin-bottom: 0.3em; }
        h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
        .verdict { font-size: 1.2em; font-weight: bold; padding: 0.6em 0.9em; border-radius: 4px; border: 2px solid; }
        .verdict.failed { background: #fdecea; border-color: #c62828; color: #8e0000; }
        .verdict.passed { background: #e8f5e9; border-color: #2e7d32; color: #1b5e20; }
        .verdict.ungated { background: #f3f3f3; border-color: #888; color: #333; }
        table { border-collapse: collapse; margin: 0.6em 0; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f3f3f3; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.facts th { background: none; border: none; padding-left: 0; }
        table.facts td { border: none; }
        tr.gate-failed td { background: #fdecea; }
        td.mark { white-space: nowrap; }
        tr.gate-failed td.mark { color: #b71c1c; font-weight: bold; }
        tr.gate-passed td.mark { color: #1b5e20; }
        figure { margin: 0.6em 0; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        p.skipped { color: #666; font-style: italic; }
        """;

    /// <summary>The HTML page of <paramref name="report"/> with <paramref name="figures"/> (as rendered for it).</summary>
    public static string Build(RunReport report, IReadOnlyList<ReportFigure> figures)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(Escape(report.Title)).Append("</title>\n");
        html.Append("<style>\n").Append(Css).Append("\n</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(Escape(report.Title)).Append("</h1>\n");
        html.Append("<p class=\"verdict ").Append(VerdictClass(report)).Append("\" id=\"verdict\">")
            .Append(Escape(ReportText.Headline(report))).Append("</p>\n");

        var facts = ReportText.Facts(report);
        if (facts.Count > 0)
        {
            html.Append("<table class=\"facts\">\n");
            foreach (var (label, value) in facts)
            {
                html.Append("<tr><th>").Append(Escape(label)).Append("</th><td>").Append(Escape(value)).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        Section(html, "Metrics", "metrics", ReportText.MetricColumns, report.Metrics.Select(ReportText.MetricCells), "No metrics in this run.");
        Section(html, "Success rates", "success-rates", ReportText.IntervalColumns, report.SuccessIntervals.Select(ReportText.IntervalCells), "No success rates in this run.");
        Gates(html, report.Gates);
        Section(html, ReportText.LayerHeading, "layers", ReportText.LayerColumns, report.Layers.Select(ReportText.LayerCells), "No layer was quantized.");
        if (report.Layers.Count > 0)
        {
            html.Append("<p>").Append(Escape(ReportText.LayerNote)).Append("</p>\n");
        }

        foreach (var figure in figures)
        {
            html.Append("<h2>").Append(Escape(figure.Heading)).Append("</h2>\n");
            if (figure.IsDrawn)
            {
                html.Append(CultureInfo.InvariantCulture, $"<figure><img src=\"{Escape(figure.FileName)}\" width=\"{figure.Width}\" height=\"{figure.Height}\" alt=\"{Escape(figure.Heading)}\">")
                    .Append("<figcaption>").Append(Escape(figure.Text)).Append("</figcaption></figure>\n");
            }
            else
            {
                html.Append("<p class=\"skipped\">").Append(Escape(figure.Text)).Append("</p>\n");
            }

            if (figure.FileName == ReportFileNames.SuccessVsBits && report.SuccessVsBits.Count > 0)
            {
                Table(html, "success-points", ReportText.PointColumns, report.SuccessVsBits.Select(ReportText.PointCells));
            }
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string VerdictClass(RunReport report) =>
        report.Gates.Count == 0 ? "ungated" : report.Failed ? "failed" : "passed";

    private static void Gates(StringBuilder html, IReadOnlyList<GateRow> gates)
    {
        html.Append("<h2>Gates</h2>\n");
        if (gates.Count == 0)
        {
            html.Append("<p class=\"skipped\">No gates were declared.</p>\n");
            return;
        }

        html.Append("<table id=\"gates\">\n");
        Header(html, ReportText.GateColumns);
        foreach (var gate in gates)
        {
            var cells = ReportText.GateCells(gate);
            html.Append("<tr class=\"").Append(gate.Passed ? "gate-passed" : "gate-failed").Append("\">");
            html.Append("<td class=\"mark\">").Append(Escape(cells[0])).Append("</td>");
            for (var c = 1; c < cells.Length; c++)
            {
                html.Append(ReportText.GateColumns.IsNumeric(c) ? "<td class=\"num\">" : "<td>").Append(Escape(cells[c])).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void Section(StringBuilder html, string heading, string id, TableColumns columns, IEnumerable<string[]> rows, string whenEmpty)
    {
        html.Append("<h2>").Append(Escape(heading)).Append("</h2>\n");
        var materialized = rows.ToArray();
        if (materialized.Length == 0)
        {
            html.Append("<p class=\"skipped\">").Append(Escape(whenEmpty)).Append("</p>\n");
            return;
        }

        Table(html, id, columns, materialized);
    }

    /// <summary>A table with its number columns right-aligned.</summary>
    private static void Table(StringBuilder html, string id, TableColumns columns, IEnumerable<string[]> rows)
    {
        html.Append("<table id=\"").Append(id).Append("\">\n");
        Header(html, columns);
        foreach (var row in rows)
        {
            html.Append("<tr>");
            for (var c = 0; c < row.Length; c++)
            {
                html.Append(columns.IsNumeric(c) ? "<td class=\"num\">" : "<td>").Append(Escape(row[c])).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void Header(StringBuilder html, TableColumns columns)
    {
        html.Append("<tr>");
        foreach (var column in columns.Headings)
        {
            html.Append("<th>").Append(Escape(column)).Append("</th>");
        }

        html.Append("</tr>\n");
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
