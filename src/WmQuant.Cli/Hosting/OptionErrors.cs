using System.Globalization;
using WmQuant.Contract;
using WmQuant.Diagnostics;

namespace WmQuant.Cli.Hosting;

/// <summary>Option values a user can fix, as WMQ2001 diagnostics (the MSBuild tasks map them to errors).</summary>
internal static class OptionErrors
{
    /// <summary>
    /// Writes each problem as <c>error WMQ2001: problem (options)</c>, leaving the parenthesis out when
    /// <paramref name="options"/> is empty (the problem names its option itself); true when there was any.
    /// </summary>
    public static bool Report(TextWriter error, IReadOnlyList<string> problems, string options = "")
    {
        foreach (var problem in problems)
        {
            error.WriteLine(Diagnostic.Error(DiagnosticCodes.OptionValue, options.Length == 0 ? problem : $"{problem} ({options})").ToCanonicalString());
        }

        return problems.Count > 0;
    }

    /// <summary>"--x must be at least 1 (got 0)" for each count below 1, in the order given.</summary>
    public static IReadOnlyList<string> BelowOne(params (string Option, int Value)[] counts) =>
        [.. counts.Where(c => c.Value < 1)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Option} must be at least 1 (got {c.Value})"))];

    /// <summary>One problem of an input the user named (a missing file, an unusable dataset) as a WMQ2002 line.</summary>
    public static void Unusable(TextWriter error, string problem, string? file = null) =>
        error.WriteLine(Diagnostic.Error(DiagnosticCodes.InputUnusable, problem, file is null ? null : SourcePosition.InFile(file)).ToCanonicalString(Directory.GetCurrentDirectory()));
}
