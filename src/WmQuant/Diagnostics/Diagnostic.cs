using WmQuant.Contract;

namespace WmQuant.Diagnostics;

/// <summary>
/// One thing a user should know or fix, as a value every layer returns: severity, stable code, where (when it has a
/// place), what is wrong and how to fix it. Text is made only at the edges (<see cref="ToCanonicalString"/>,
/// <see cref="ToRecord"/>), so skipping gates flips a severity instead of rewriting lines.
/// </summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Code">Stable code from <see cref="DiagnosticCodes"/>.</param>
/// <param name="Position">Where, or null for a problem that has no place in a file (an option value).</param>
/// <param name="Message">What is wrong, the offending value and what is allowed.</param>
/// <param name="Hint">How to fix it, when the message does not already say.</param>
public sealed record Diagnostic(Severity Severity, string Code, SourcePosition? Position, string Message, string? Hint = null)
{
    /// <summary>An error.</summary>
    public static Diagnostic Error(string code, string message, SourcePosition? position = null, string? hint = null) =>
        new(Severity.Error, code, position, message, hint);

    /// <summary>A warning.</summary>
    public static Diagnostic Warning(string code, string message, SourcePosition? position = null, string? hint = null) =>
        new(Severity.Warning, code, position, message, hint);

    /// <summary>A diagnostic at a position (the form the recipe checks use).</summary>
    public static Diagnostic At(SourcePosition position, Severity severity, string code, string message) =>
        new(severity, code, position, message);

    /// <summary>An error about a file as a whole (no line).</summary>
    public static Diagnostic FileError(string code, string file, string message, string? hint = null) =>
        new(Severity.Error, code, SourcePosition.InFile(file), message, hint);

    /// <summary>True for errors.</summary>
    public bool IsError => Severity == Severity.Error;

    /// <summary>The message with its hint, as one sentence run.</summary>
    public string Text => Hint is null ? Message : $"{Message}{(Message.EndsWith('.') ? "" : ";")} {Hint}";

    /// <summary>
    /// MSBuild's canonical form, <c>file(line,col): error CODE: text</c> (or <c>error CODE: text</c> without a
    /// place), starting at column 0 so IDEs, MSBuild and GitHub's problem matcher pick it up.
    /// </summary>
    public string ToCanonicalString(string? baseDirectory = null)
    {
        string severity = Severity == Severity.Error ? "error" : "warning";
        string text = Escape(Text);
        return Position is { } at ? $"{Escape(at.Format(baseDirectory))}: {severity} {Code}: {text}" : $"{severity} {Code}: {text}";
    }

    /// <summary>The diagnostic as contract data, the file relative to <paramref name="baseDirectory"/> where it lies under it.</summary>
    public DiagnosticRecord ToRecord(string? baseDirectory = null) => new()
    {
        Severity = Severity,
        Code = Code,
        File = Position is { } at ? SourcePosition.DisplayPath(at.File, baseDirectory) : null,
        Line = Position?.Line ?? 0,
        Column = Position?.Column ?? 0,
        Message = Text,
    };

    /// <inheritdoc />
    public override string ToString() => ToCanonicalString();

    /// <summary>Control characters (a NUL in a path, a newline in a value) printed as escapes, so one diagnostic stays one line.</summary>
    private static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
