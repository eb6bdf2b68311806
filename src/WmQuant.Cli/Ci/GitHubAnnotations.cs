using System.Globalization;
using System.Text;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Gates;

namespace WmQuant.Cli.Ci;

/// <summary>
/// GitHub Actions workflow commands (<c>::error file=…,line=…,col=…,title=…::message</c>) for gates that failed or
/// could not be judged and for every other error or warning of a run, so the failure shows on the recipe line in the
/// pull request. Written whenever the run is on GitHub Actions, whatever the output mode: the runner reads workflow
/// commands from standard error too, which is where they go beside --json (Cake and MSBuild read standard output).
/// </summary>
public static class GitHubAnnotations
{
    /// <summary>The variable the Actions runner sets to "true" in every step.</summary>
    public const string EnvironmentVariable = "GITHUB_ACTIONS";

    /// <summary>Whether this process runs in a GitHub Actions step and its caller did not ask for no annotations (<see cref="WmqEnvironment.NoAnnotations"/>).</summary>
    public static bool Enabled(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return string.Equals(environment(EnvironmentVariable), "true", StringComparison.OrdinalIgnoreCase)
            && string.IsNullOrEmpty(environment(WmqEnvironment.NoAnnotations));
    }

    /// <summary>
    /// Every annotation of a run: one per failed or unjudged gate (a warning when gates were skipped), then one per
    /// other diagnostic (input errors, stage failures, warnings), each once, in that order.
    /// </summary>
    public static IReadOnlyList<string> ForRun(IEnumerable<GateVerdict> verdicts, IEnumerable<Diagnostic> diagnostics, string? baseDirectory, bool gatesAsWarnings = false)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(diagnostics);
        // Gate diagnostics restate the verdicts (WMQ4001/WMQ4002); the verdict form has the better title.
        var others = diagnostics.Where(d => d.Code is not (DiagnosticCodes.GateFailed or DiagnosticCodes.GateNotJudged)).Select(d => For(d, baseDirectory));
        return Render(verdicts, baseDirectory, gatesAsWarnings).Concat(others).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>One <c>::error</c> line (<c>::warning</c> with <paramref name="asWarnings"/>) per failed or unjudged gate, in recipe order; files relative to <paramref name="baseDirectory"/> (the repository root).</summary>
    public static IReadOnlyList<string> Render(IEnumerable<GateVerdict> verdicts, string? baseDirectory = null, bool asWarnings = false)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        return verdicts.Where(v => v.Outcome != GateOutcome.Passed).Select(v => Error(v, baseDirectory, asWarnings ? "warning" : "error")).ToList();
    }

    /// <summary>The annotation of one verdict.</summary>
    public static string Error(GateVerdict verdict, string? baseDirectory = null, string level = "error")
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return Command(level, [.. Place(verdict.Position, baseDirectory), ("title", $"{verdict.Code} {verdict.Title}")], verdict.Message);
    }

    /// <summary>The annotation of a diagnostic: its code as title, its place when it has one.</summary>
    public static string For(Diagnostic diagnostic, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(diagnostic);
        string level = diagnostic.Severity == Severity.Error ? "error" : "warning";
        return Command(level, [.. Place(diagnostic.Position, baseDirectory), ("title", diagnostic.Code)], diagnostic.Text);
    }

    /// <summary>file, line and col for a place in a file (line and col only when known); nothing without a file.</summary>
    private static IEnumerable<(string Name, string Value)> Place(SourcePosition? position, string? baseDirectory)
    {
        if (position is not { } at)
        {
            yield break;
        }

        yield return ("file", CiText.RelativeFile(at, baseDirectory));
        if (at.Line > 0)
        {
            yield return ("line", at.Line.ToString(CultureInfo.InvariantCulture));
            yield return ("col", at.Column.ToString(CultureInfo.InvariantCulture));
        }
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
