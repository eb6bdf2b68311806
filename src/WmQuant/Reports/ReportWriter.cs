using System.Text;
using WmQuant.IO;
using WmQuant.IO.Safetensors;
using WmQuant.Reports.Documents;
using WmQuant.Reports.Model;

namespace WmQuant.Reports;

/// <summary>
/// Writes a run report into a folder: <c>report.md</c>, a standalone <c>report.html</c> and the
/// PNG figures they link by relative name. Identical reports give byte-identical files (fixed
/// image sizes and font, no timestamps), and every file is replaced atomically, so the folder
/// can go into a content-addressed artifact and never holds a half-written file.
/// </summary>
public static class ReportWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes <paramref name="report"/> into <paramref name="directory"/> (created if missing) and
    /// returns the full paths written, images first and the documents last. Images of figures
    /// without data are not written, and a stale copy from an earlier run is deleted, so the folder
    /// always matches the documents.
    /// </summary>
    public static IReadOnlyList<string> Write(RunReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);

        var figures = ReportFigures.Render(report);
        var written = new List<string>();
        foreach (var figure in figures)
        {
            var path = Path.Combine(directory, figure.FileName);
            if (figure.Png is { } png)
            {
                AtomicFileReplacement.Write(path, stream => stream.Write(png));
                written.Add(path);
            }
            else
            {
                File.Delete(path);
            }
        }

        // The documents last: once report.html exists, the images it links exist too.
        written.Add(WriteText(Path.Combine(directory, ReportFileNames.Markdown), MarkdownReport.Build(report, figures)));
        written.Add(WriteText(Path.Combine(directory, ReportFileNames.Html), HtmlReport.Build(report, figures)));
        return written;
    }

    private static string WriteText(string path, string text)
    {
        var bytes = Utf8.GetBytes(text);
        AtomicFileReplacement.Write(path, stream => stream.Write(bytes));
        return path;
    }
}
