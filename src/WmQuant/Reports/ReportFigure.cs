namespace WmQuant.Reports;

/// <summary>
/// One figure of the report: the PNG file it lives in and the sentence shown with it, or, when
/// there was no data, no image and the sentence saying why (so both documents tell the same story).
/// </summary>
/// <param name="FileName">PNG file name next to the documents (e.g. "success_vs_bits.png").</param>
/// <param name="Heading">Section heading.</param>
/// <param name="Text">Caption when drawn; the reason when skipped.</param>
/// <param name="Png">Encoded image, or null when the figure was skipped.</param>
/// <param name="Width">Image width in pixels (0 when skipped).</param>
/// <param name="Height">Image height in pixels (0 when skipped).</param>
public sealed record ReportFigure(string FileName, string Heading, string Text, byte[]? Png, int Width, int Height)
{
    /// <summary>Whether the figure has an image (false: its data was empty).</summary>
    public bool IsDrawn => Png is not null;
}
