using SkiaSharp;
using WmQuant.Environments.Rendering;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Charts;

/// <summary>
/// Composes decoder frames into one labelled PNG grid (rows: real, FP, quantized; columns: time
/// steps). Every frame is scaled into a fixed square cell with nearest-neighbour sampling, so
/// pixels stay crisp (quantization artefacts are the point) and the layout depends only on the
/// number of rows and columns.
/// </summary>
internal static class ReconstructionGridImage
{
    /// <summary>Side of one frame's cell, in pixels.</summary>
    public const int Cell = 96;

    /// <summary>Space between cells, in pixels.</summary>
    public const int Gap = 4;

    /// <summary>Width of the row-label column, in pixels.</summary>
    public const int LabelWidth = 160;

    /// <summary>Height of the column-heading row, in pixels.</summary>
    public const int HeaderHeight = 24;

    /// <summary>Blank border around the grid, in pixels.</summary>
    public const int Margin = 8;

    private const float TextSize = 14;

    /// <summary>Pixel size of the grid for <paramref name="figure"/>.</summary>
    public static (int Width, int Height) Size(ReconstructionFigure figure)
    {
        var columns = Columns(figure);
        var rows = figure.Rows.Count;
        return (
            (2 * Margin) + LabelWidth + (columns * Cell) + (Math.Max(0, columns - 1) * Gap),
            (2 * Margin) + HeaderHeight + (rows * Cell) + (Math.Max(0, rows - 1) * Gap));
    }

    /// <summary>PNG bytes of the grid; <paramref name="figure"/> must hold at least one frame.</summary>
    public static byte[] Render(ReconstructionFigure figure)
    {
        if (figure.IsEmpty)
        {
            throw new ArgumentException("No frame: the caller skips this figure.", nameof(figure));
        }

        var (width, height) = Size(figure);
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        using var typeface = ChartFont.CreateTypeface();
        using var font = new SKFont(typeface, TextSize) { Edging = SKFontEdging.Antialias, Subpixel = false, Hinting = SKFontHinting.None };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var border = new SKPaint { Color = new SKColor(0xC8, 0xC8, 0xC8), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };

        for (var c = 0; c < Columns(figure); c++)
        {
            if (c < figure.ColumnLabels.Count)
            {
                var centre = CellLeft(c) + (Cell / 2f);
                var label = Fit(figure.ColumnLabels[c], Cell, font);
                canvas.DrawText(label, centre, Margin + HeaderHeight - 8, SKTextAlign.Center, font, text);
            }
        }

        for (var r = 0; r < figure.Rows.Count; r++)
        {
            var row = figure.Rows[r];
            var top = CellTop(r);
            var label = Fit(row.Label, LabelWidth - 8, font);
            canvas.DrawText(label, Margin, top + (Cell / 2f) + (TextSize / 3f), SKTextAlign.Left, font, text);
            for (var c = 0; c < row.Frames.Count; c++)
            {
                var cell = SKRect.Create(CellLeft(c), top, Cell, Cell);
                DrawFrame(canvas, row.Frames[c], cell);
                canvas.DrawRect(cell, border);
            }
        }

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static int Columns(ReconstructionFigure figure) =>
        figure.Rows.Count == 0 ? 0 : figure.Rows.Max(row => row.Frames.Count);

    private static float CellLeft(int column) => Margin + LabelWidth + (column * (Cell + Gap));

    private static float CellTop(int row) => Margin + HeaderHeight + (row * (Cell + Gap));

    /// <summary>Draws <paramref name="frame"/> centred in <paramref name="cell"/>, scaled to fit with its aspect ratio kept.</summary>
    private static void DrawFrame(SKCanvas canvas, RgbFrame frame, SKRect cell)
    {
        var rgba = new byte[frame.Width * frame.Height * 4];
        var rgb = frame.Pixels;
        for (int source = 0, dest = 0; source < rgb.Length; source += 3, dest += 4)
        {
            rgba[dest] = rgb[source];
            rgba[dest + 1] = rgb[source + 1];
            rgba[dest + 2] = rgb[source + 2];
            rgba[dest + 3] = 0xFF;
        }

        var info = new SKImageInfo(frame.Width, frame.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, rgba);
        var scale = Math.Min(cell.Width / frame.Width, cell.Height / frame.Height);
        var drawWidth = frame.Width * scale;
        var drawHeight = frame.Height * scale;
        var target = SKRect.Create(
            cell.Left + ((cell.Width - drawWidth) / 2),
            cell.Top + ((cell.Height - drawHeight) / 2),
            drawWidth,
            drawHeight);
        canvas.DrawImage(image, target, new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None));
    }

    /// <summary><paramref name="label"/> cut with an ellipsis so it fits in <paramref name="maxWidth"/> pixels.</summary>
    private static string Fit(string label, float maxWidth, SKFont font)
    {
        if (font.MeasureText(label) <= maxWidth)
        {
            return label;
        }

        for (var length = label.Length - 1; length > 0; length--)
        {
            var candidate = string.Concat(label.AsSpan(0, length), "…");
            if (font.MeasureText(candidate) <= maxWidth)
            {
                return candidate;
            }
        }

        return "…";
    }
}
