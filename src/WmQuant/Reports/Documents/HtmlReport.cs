using System.Globalization;
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
        p.note { background: #fff8e1; border-left: 4px solid #f9a825; padding: 0.5em 0.8em; }
        table { border-collapse: collapse; margin: 0.6em 0; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        table#evaluation-settings td { overflow-wrap: anywhere; }
        th { background: #f3f3f3; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        table.facts th { background: none; border: none; padding-left: 0; }
        table.facts td { border: none; }
        code { font-size: 0.9em; word-break: break-all; }
        tr.gate-failed td, tr.seed-lost td { background: #fdecea; }
        tr.seed-gained td { background: #e8f5e9; }
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
        foreach (var block in ReportLayout.Build(report, figures))
        {
            Render(html, block);
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Render(StringBuilder html, ReportBlock block)
    {
        switch (block)
        {
            case HeadingBlock heading:
                html.Append("<h2>").Append(Escape(heading.Text)).Append("</h2>\n");
                break;
            case VerdictBlock verdict:
                html.Append("<p class=\"verdict ").Append(verdict.State).Append("\" id=\"verdict\">").Append(Escape(verdict.Text)).Append("</p>\n");
                break;
            case TextBlock text:
                html.Append("<p");
                if (text.Style != TextStyle.Plain)
                {
                    html.Append(" class=\"").Append(text.Style == TextStyle.Skipped ? "skipped" : "note").Append('"');
                }

                Id(html, text.Id);
                html.Append('>').Append(Escape(text.Text)).Append("</p>\n");
                break;
            case FactsBlock facts:
                html.Append("<table class=\"facts\"");
                Id(html, facts.Id);
                html.Append(">\n");
                foreach (var fact in facts.Facts)
                {
                    html.Append("<tr><th>").Append(Escape(fact.Label)).Append("</th><td>")
                        .Append(fact.IsCode ? "<code>" + Escape(fact.Value) + "</code>" : Escape(fact.Value)).Append("</td></tr>\n");
                }

                html.Append("</table>\n");
                break;
            case TableBlock table:
                Table(html, table);
                break;
            case FigureBlock { Figure: var figure }:
                if (figure.IsDrawn)
                {
                    html.Append(CultureInfo.InvariantCulture,
                            $"<figure><img src=\"{Escape(figure.FileName)}\" width=\"{figure.Width}\" height=\"{figure.Height}\" alt=\"{Escape(figure.Heading)}\">")
                        .Append("<figcaption>").Append(Escape(figure.Text)).Append("</figcaption></figure>\n");
                }
                else
                {
                    html.Append("<p class=\"skipped\">").Append(Escape(figure.Text)).Append("</p>\n");
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(block), block.GetType().Name, "Unknown report block.");
        }
    }

    /// <summary>A table with its number columns right-aligned and its marker column kept on one line.</summary>
    private static void Table(StringBuilder html, TableBlock table)
    {
        var columns = table.Columns;
        html.Append("<table id=\"").Append(Escape(table.Id)).Append("\">\n<tr>");
        foreach (var column in columns.Headings)
        {
            html.Append("<th>").Append(Escape(column)).Append("</th>");
        }

        html.Append("</tr>\n");
        foreach (var row in table.Rows)
        {
            html.Append("<tr");
            if (row.Class is { } rowClass)
            {
                html.Append(" class=\"").Append(Escape(rowClass)).Append('"');
            }

            html.Append('>');
            for (var c = 0; c < row.Cells.Length; c++)
            {
                html.Append(c == columns.MarkIndex ? "<td class=\"mark\">" : columns.IsNumeric(c) ? "<td class=\"num\">" : "<td>")
                    .Append(Escape(row.Cells[c])).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void Id(StringBuilder html, string? id)
    {
        if (id is not null)
        {
            html.Append(" id=\"").Append(Escape(id)).Append('"');
        }
    }

    /// <summary>
    /// Escapes only the characters HTML gives meaning to; the page is UTF-8, so "·", "×" and "−" stay readable in the
    /// source (WebUtility.HtmlEncode turns U+00A0…U+00FF into numeric entities).
    /// </summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            _ = c switch
            {
                '&' => escaped.Append("&amp;"),
                '<' => escaped.Append("&lt;"),
                '>' => escaped.Append("&gt;"),
                '"' => escaped.Append("&quot;"),
                '\'' => escaped.Append("&#39;"),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }
}
