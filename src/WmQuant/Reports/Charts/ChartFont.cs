using SkiaSharp;

namespace WmQuant.Reports.Charts;

/// <summary>
/// The one font every report image is drawn with. Left to itself ScottPlot picks a system font
/// by enumeration order (on this machine "DejaVu Serif"), which differs between machines and can
/// change when a package adds fonts; a fixed font file makes the pixels depend only on the data
/// (and that file). DejaVu Sans ships with Debian's fontconfig (package fonts-dejavu-core),
/// which build/prerequisites.sh installs. Without it the images fall back to the system default
/// and stay byte-stable on that machine only.
/// </summary>
internal static class ChartFont
{
    /// <summary>Family name the font file is registered under with ScottPlot.</summary>
    public const string Family = "WmQuant Report Sans";

    private static readonly string[] RegularCandidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    ];

    private static readonly Lazy<string?> RegularFile = new(() => RegularCandidates.FirstOrDefault(File.Exists));

    private static readonly Lazy<string> RegisteredFamily = new(Register);

    /// <summary>The font file in use, or null when none of the known ones exists (system default then).</summary>
    public static string? FontFile => RegularFile.Value;

    /// <summary>The ScottPlot family name to give every text element (registering the file on first use).</summary>
    public static string ScottPlotFamily => RegisteredFamily.Value;

    /// <summary>A SkiaSharp typeface of the same font, for images drawn without ScottPlot.</summary>
    public static SKTypeface CreateTypeface() =>
        FontFile is { } file ? SKTypeface.FromFile(file) ?? SKTypeface.Default : SKTypeface.Default;

    private static string Register()
    {
        if (FontFile is not { } regular)
        {
            return ScottPlot.Fonts.Default;
        }

        // Bold and italic requests map to the regular face too: one file, one look, no fallback lookups.
        foreach (var (bold, italic) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            ScottPlot.Fonts.AddFontFile(Family, regular, bold, italic);
        }

        return Family;
    }
}
