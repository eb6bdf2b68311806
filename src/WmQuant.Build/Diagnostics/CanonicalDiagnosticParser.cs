using System.Globalization;
using System.Text.RegularExpressions;

namespace WmQuant.Build.Diagnostics;

/// <summary>
/// Recognises `origin(line,col): error CODE: text` (and the forms without position or origin) in tool output,
/// the way Grpc.Tools maps protoc's lines: anything that does not match is ordinary progress text.
/// </summary>
internal static partial class CanonicalDiagnosticParser
{
    // origin is optional and may itself contain ':' or '(' (Windows drive letters, odd folder names), so the
    // position group is anchored right before the ': error|warning' separator.
    [GeneratedRegex(
        @"^(?:(?<origin>.*?)(?:\((?<line>\d+)(?:,(?<col>\d+))?(?:,\d+,\d+)?\))?\s*:\s*)?(?<category>error|warning)\s+(?<code>[A-Za-z]+\d+)\s*:\s*(?<text>.*)$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture,
        matchTimeoutMilliseconds: 1000)]
    private static partial Regex CanonicalLine();

    /// <summary>Parses a line; false for anything that is not a canonical error or warning.</summary>
    public static bool TryParse(string? line, out CanonicalDiagnostic diagnostic)
    {
        diagnostic = null!;
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        // Canonical lines start at column 0; indented text is progress or a quoted message.
        if (char.IsWhiteSpace(line[0]))
        {
            return false;
        }

        Match match;
        try
        {
            match = CanonicalLine().Match(line.TrimEnd());
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }

        if (!match.Success)
        {
            return false;
        }

        string origin = match.Groups["origin"].Value.Trim();
        diagnostic = new CanonicalDiagnostic(
            origin.Length == 0 ? null : origin,
            ParseOrZero(match.Groups["line"]),
            ParseOrZero(match.Groups["col"]),
            match.Groups["category"].Value == "warning",
            match.Groups["code"].Value,
            match.Groups["text"].Value);
        return true;
    }

    private static int ParseOrZero(Group group) =>
        group.Success && int.TryParse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : 0;
}
