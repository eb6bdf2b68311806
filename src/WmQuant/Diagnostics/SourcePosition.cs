using System.Globalization;

namespace WmQuant.Diagnostics;

/// <summary>A place in a file; line and column are 1-based, as editors and MSBuild count them (0: the file as a whole).</summary>
/// <param name="File">Full path of the file.</param>
/// <param name="Line">1-based line, or 0 when the position is the whole file.</param>
/// <param name="Column">1-based column, or 0 when unknown.</param>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    /// <summary>The whole of a file (no line), e.g. a checkpoint that cannot be read.</summary>
    public static SourcePosition InFile(string file) => new(file, 0, 0);

    /// <summary>
    /// The position as MSBuild writes it, <c>file(line,col)</c> or just <c>file</c>, the file shown relative to
    /// <paramref name="baseDirectory"/> when it lies under it.
    /// </summary>
    public string Format(string? baseDirectory = null)
    {
        string file = DisplayPath(File, baseDirectory);
        return Line <= 0 ? file : string.Create(CultureInfo.InvariantCulture, $"{file}({Line},{Column})");
    }

    /// <summary>A path shown relative to a folder when it lies inside it, so messages stay short and clickable.</summary>
    public static string DisplayPath(string file, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (string.IsNullOrEmpty(baseDirectory) || !Path.IsPathRooted(file))
        {
            return file;
        }

        string relative = Path.GetRelativePath(baseDirectory, file);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? file : relative;
    }
}
