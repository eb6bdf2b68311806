using System.Text;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Documents;

/// <summary>
/// The report as markdown (readable raw, in a pull request, or as a CI step summary), rendering the
/// same blocks as the HTML page; images are linked by relative file name.
/// </summary>
internal static class MarkdownReport
{
    /// <summary>The markdown text of <paramref name="report"/> with <paramref name="figures"/> (as rendered for it).</summary>
    public static string Build(RunReport report, IReadOnlyList<ReportFigure> figures)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(MarkdownText.Escape(report.Title)).Append('\n');
        foreach (var block in ReportLayout.Build(report, figures))
        {
            Render(md, block);
        }

        return md.ToString();
    }

    private static void Render(StringBuilder md, ReportBlock block)
    {
        switch (block)
        {
            case HeadingBlock heading:
                md.Append("\n## ").Append(MarkdownText.Escape(heading.Text)).Append('\n');
                break;
            case VerdictBlock verdict:
                md.Append("\n> **").Append(MarkdownText.Escape(verdict.Text)).Append("**\n");
                break;
            case TextBlock text:
                md.Append('\n').Append(text.Style == TextStyle.Note ? "> " : "").Append(MarkdownText.Escape(text.Text)).Append('\n');
                break;
            case FactsBlock facts:
                md.Append('\n');
                foreach (var fact in facts.Facts)
                {
                    md.Append("- **").Append(MarkdownText.Escape(fact.Label)).Append(":** ").Append(Value(fact)).Append('\n');
                }

                break;
            case TableBlock table:
                Table(md, table);
                break;
            case FigureBlock { Figure: var figure }:
                md.Append('\n');
                if (figure.IsDrawn)
                {
                    md.Append("![").Append(MarkdownText.Escape(figure.Heading)).Append("](").Append(figure.FileName).Append(")\n\n");
                }

                md.Append(MarkdownText.Escape(figure.Text)).Append('\n');
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(block), block.GetType().Name, "Unknown report block.");
        }
    }

    /// <summary>A fact's value; hashes and commits as code spans (they never hold a backtick).</summary>
    private static string Value(Fact fact) =>
        fact.IsCode && !fact.Value.Contains('`', StringComparison.Ordinal) && !fact.Value.Contains('\n', StringComparison.Ordinal)
            ? "`" + fact.Value + "`"
            : MarkdownText.Escape(fact.Value);

    /// <summary>A pipe table with its number columns right-aligned.</summary>
    private static void Table(StringBuilder md, TableBlock table)
    {
        var columns = table.Columns;
        md.Append("\n| ").AppendJoin(" | ", columns.Headings.Select(MarkdownText.Escape)).Append(" |\n|");
        for (var c = 0; c < columns.Headings.Length; c++)
        {
            md.Append(columns.IsNumeric(c) ? " ---: |" : " --- |");
        }

        md.Append('\n');
        foreach (var row in table.Rows)
        {
            md.Append("| ").AppendJoin(" | ", row.Cells.Select(MarkdownText.Escape)).Append(" |\n");
        }
    }
}
