using System.Text;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Documents;

/// <summary>
/// The report as markdown (readable raw, in a pull request, or as a CI step summary), mirroring the
/// HTML page section by section; images are linked by relative file name.
/// </summary>
internal static class MarkdownReport
{
    /// <summary>The markdown text of <paramref name="report"/> with <paramref name="figures"/> (as rendered for it).</summary>
    public static string Build(RunReport report, IReadOnlyList<ReportFigure> figures)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(MarkdownText.Escape(report.Title)).Append("\n\n");
        md.Append("> **").Append(MarkdownText.Escape(ReportText.Headline(report))).Append("**\n\n");
        foreach (var (label, value) in ReportText.Facts(report))
        {
            md.Append("- **").Append(label).Append(":** ").Append(MarkdownText.Escape(value)).Append('\n');
        }

        Section(md, "Metrics", ReportText.MetricColumns, report.Metrics.Select(ReportText.MetricCells), "No metrics in this run.");
        Section(md, "Success rates", ReportText.IntervalColumns, report.SuccessIntervals.Select(ReportText.IntervalCells), "No success rates in this run.");
        Section(md, "Gates", ReportText.GateColumns, report.Gates.Select(ReportText.GateCells), "No gates were declared.");
        Section(md, ReportText.LayerHeading, ReportText.LayerColumns, report.Layers.Select(ReportText.LayerCells), "No layer was quantized.");
        if (report.Layers.Count > 0)
        {
            md.Append('\n').Append(MarkdownText.Escape(ReportText.LayerNote)).Append('\n');
        }

        foreach (var figure in figures)
        {
            md.Append("\n## ").Append(figure.Heading).Append("\n\n");
            if (figure.IsDrawn)
            {
                md.Append("![").Append(MarkdownText.Escape(figure.Heading)).Append("](").Append(figure.FileName).Append(")\n\n");
            }

            md.Append(MarkdownText.Escape(figure.Text)).Append('\n');
            if (figure.FileName == ReportFileNames.SuccessVsBits && report.SuccessVsBits.Count > 0)
            {
                md.Append('\n');
                Table(md, ReportText.PointColumns, report.SuccessVsBits.Select(ReportText.PointCells));
            }
        }

        return md.ToString();
    }

    private static void Section(StringBuilder md, string heading, TableColumns columns, IEnumerable<string[]> rows, string whenEmpty)
    {
        md.Append("\n## ").Append(heading).Append("\n\n");
        var materialized = rows.ToArray();
        if (materialized.Length == 0)
        {
            md.Append(whenEmpty).Append('\n');
            return;
        }

        Table(md, columns, materialized);
    }

    /// <summary>A pipe table with its number columns right-aligned.</summary>
    private static void Table(StringBuilder md, TableColumns columns, IEnumerable<string[]> rows)
    {
        md.Append("| ").AppendJoin(" | ", columns.Headings.Select(MarkdownText.Escape)).Append(" |\n|");
        for (var c = 0; c < columns.Headings.Length; c++)
        {
            md.Append(columns.IsNumeric(c) ? " ---: |" : " --- |");
        }

        md.Append('\n');
        foreach (var row in rows)
        {
            md.Append("| ").AppendJoin(" | ", row.Select(MarkdownText.Escape)).Append(" |\n");
        }
    }
}
