using System.Globalization;
using System.Text;
using WmQuant.Gates;

namespace WmQuant.Cli.Ci;

/// <summary>
/// GitHub Actions workflow commands (<c>::error file=…,line=…,col=…,title=…::message</c>) for gates that failed or
/// could not be judged, so the failure shows on the recipe line in the pull request.
/// </summary>
public static class GitHubAnnotations
{
    /// <summary>One <c>::error</c> line per failed or unjudged gate, in recipe order; files relative to <paramref name="baseDirectory"/> (the repository root).</summary>
    public static IReadOnlyList<string> Render(IEnumerable<GateVerdict> verdicts, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        return verdicts.Where(v => v.Outcome != GateOutcome.Passed).Select(v => Error(v, baseDirectory)).ToList();
    }

    /// <summary>The annotation of one verdict.</summary>
    public static string Error(GateVerdict verdict, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var properties = new (string Name, string Value)[]
        {
            ("file", CiText.RelativeFile(verdict.Position, baseDirectory)),
            ("line", (verdict.Position?.Line ?? 0).ToString(CultureInfo.InvariantCulture)),
            ("col", (verdict.Position?.Column ?? 0).ToString(CultureInfo.InvariantCulture)),
            ("title", $"{verdict.Code} {verdict.Title}"),
        };
        return Command("error", properties, verdict.Message);
    }

    /// <summary>A workflow command line with escaped properties and message.</summary>
    public static string Command(string name, IReadOnlyList<(string Name, string Value)> properties, string message)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var line = new StringBuilder("::").Append(name);
        for (int i = 0; i < properties.Count; i++)
        {
            line.Append(i == 0 ? ' ' : ',').Append(properties[i].Name).Append('=').Append(EscapeProperty(properties[i].Value));
        }

        return line.Append("::").Append(EscapeData(message)).ToString();
    }

    /// <summary>Escapes a message: % → %25, CR → %0D, LF → %0A (as the Actions runner decodes them).</summary>
    public static string EscapeData(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("%", "%25", StringComparison.Ordinal)
            .Replace("\r", "%0D", StringComparison.Ordinal)
            .Replace("\n", "%0A", StringComparison.Ordinal);
    }

    /// <summary>Escapes a property value: as data, plus : → %3A and , → %2C.</summary>
    public static string EscapeProperty(string value) =>
        EscapeData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
