using System.Globalization;

namespace WmQuant.Recipes;

/// <summary>How much a problem matters: errors stop the pipeline, warnings are reported and let it run.</summary>
public enum ProblemSeverity
{
    /// <summary>The recipe is valid, but probably not what its author meant.</summary>
    Warning,

    /// <summary>The recipe cannot run until this is fixed.</summary>
    Error,
}

/// <summary>A place in a recipe file; line and column are 1-based, as editors and MSBuild count them.</summary>
/// <param name="File">Full path of the file.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    /// <summary>The position as MSBuild writes it, with the file shown relative to <paramref name="baseDirectory"/> when it lies under it.</summary>
    public string Format(string? baseDirectory = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{DisplayPath(File, baseDirectory)}({Line},{Column})");

    /// <summary>A path shown relative to a folder when it lies inside it, so messages stay short and clickable.</summary>
    public static string DisplayPath(string file, string? baseDirectory)
    {
        if (string.IsNullOrEmpty(baseDirectory))
        {
            return file;
        }

        string relative = Path.GetRelativePath(baseDirectory, file);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? file : relative;
    }
}

/// <summary>One thing wrong with a recipe, located precisely enough for an editor to jump to it.</summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Code">Stable code (see ERROR_CODES.md), letters then digits, so MSBuild and GitHub recognise it.</param>
/// <param name="File">Full path of the file the offending text is in (a base recipe for inherited values).</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Message">What is wrong, the offending value and what is allowed.</param>
public sealed record RecipeProblem(ProblemSeverity Severity, string Code, string File, int Line, int Column, string Message)
{
    /// <summary>Creates a problem at a position.</summary>
    public static RecipeProblem At(SourcePosition position, ProblemSeverity severity, string code, string message) =>
        new(severity, code, position.File, position.Line, position.Column, message);

    /// <summary>The MSBuild canonical form, <c>file(line,col): error CODE: message</c>, which IDEs and CI problem matchers parse.</summary>
    public string ToCanonicalString(string? baseDirectory = null)
    {
        string severity = Severity == ProblemSeverity.Error ? "error" : "warning";
        string where = new SourcePosition(File, Line, Column).Format(baseDirectory);
        return $"{where}: {severity} {Code}: {Message}";
    }

    /// <inheritdoc />
    public override string ToString() => ToCanonicalString();
}
