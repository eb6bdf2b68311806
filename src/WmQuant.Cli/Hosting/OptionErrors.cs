namespace WmQuant.Cli.Hosting;

/// <summary>Option values a user can fix, printed as canonical WMQ2001 lines (the MSBuild tasks map them to errors).</summary>
internal static class OptionErrors
{
    /// <summary>
    /// Writes each problem as <c>error WMQ2001: problem (options).</c> to stderr, leaving the parenthesis out when
    /// <paramref name="options"/> is empty (the problem names its option itself); true when there was any.
    /// </summary>
    public static bool Report(IReadOnlyList<string> problems, string options = "")
    {
        foreach (var problem in problems)
        {
            Console.Error.WriteLine(options.Length == 0 ? $"error WMQ2001: {problem}." : $"error WMQ2001: {problem} ({options}).");
        }

        return problems.Count > 0;
    }
}
