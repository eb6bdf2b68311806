namespace WmQuant.Reports.Documents;

/// <summary>
/// One piece of a report document. <see cref="ReportLayout"/> lays a report out as blocks once, and the HTML and
/// markdown writers only render them, so the two documents always carry the same sections, rows and sentences.
/// </summary>
internal abstract record ReportBlock;

/// <summary>A section heading.</summary>
/// <param name="Text">Heading text.</param>
internal sealed record HeadingBlock(string Text) : ReportBlock;

/// <summary>The pass/fail line at the top.</summary>
/// <param name="Text">The headline.</param>
/// <param name="State">failed, passed or ungated (the HTML class).</param>
internal sealed record VerdictBlock(string Text, string State) : ReportBlock;

/// <summary>A paragraph.</summary>
/// <param name="Text">The sentence(s).</param>
/// <param name="Style">How it is set off.</param>
/// <param name="Id">HTML id, so tests and links can find it; null for none.</param>
internal sealed record TextBlock(string Text, TextStyle Style = TextStyle.Plain, string? Id = null) : ReportBlock;

/// <summary>How a paragraph is set off from the text around it.</summary>
internal enum TextStyle
{
    /// <summary>Ordinary text.</summary>
    Plain,

    /// <summary>Why a section has no data (greyed).</summary>
    Skipped,

    /// <summary>A statement every reader must see (boxed in HTML, quoted in markdown).</summary>
    Note,
}

/// <summary>Labelled values, one a line.</summary>
/// <param name="Facts">The values in display order.</param>
/// <param name="Id">HTML id; null for none.</param>
internal sealed record FactsBlock(IReadOnlyList<Fact> Facts, string? Id = null) : ReportBlock;

/// <summary>One labelled value.</summary>
/// <param name="Label">What it is.</param>
/// <param name="Value">The value.</param>
/// <param name="IsCode">Set in a fixed-width font (hashes, commits).</param>
internal sealed record Fact(string Label, string Value, bool IsCode = false);

/// <summary>A table.</summary>
/// <param name="Id">HTML id.</param>
/// <param name="Columns">Headings and which columns hold numbers.</param>
/// <param name="Rows">Rows, top to bottom.</param>
internal sealed record TableBlock(string Id, TableColumns Columns, IReadOnlyList<TableRow> Rows) : ReportBlock;

/// <summary>One table row.</summary>
/// <param name="Cells">Cell texts, left to right.</param>
/// <param name="Class">HTML class marking the row (a failed gate, a lost seed); null for none.</param>
internal sealed record TableRow(string[] Cells, string? Class = null);

/// <summary>A figure: its image with the caption, or the reason it was skipped.</summary>
/// <param name="Figure">The rendered figure.</param>
internal sealed record FigureBlock(ReportFigure Figure) : ReportBlock;
