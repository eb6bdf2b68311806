using System.Text;

namespace WmQuant.Cli.Ci;

/// <summary>
/// Appends markdown to the job summary file GitHub Actions names in GITHUB_STEP_SUMMARY. The environment is passed
/// in (not read from the process) so the CLI hands over its own and tests drive it with a dictionary.
/// </summary>
public static class GitHubStepSummary
{
    /// <summary>The variable GitHub Actions sets to the summary file of the current step.</summary>
    public const string Variable = "GITHUB_STEP_SUMMARY";

    /// <summary>Appends <paramref name="markdown"/> (ending it with a newline) to the summary file; returns the file written, or null outside GitHub Actions.</summary>
    public static string? Append(string markdown, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(environment);
        string? path = environment(Variable);
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        string text = markdown.EndsWith('\n') ? markdown : markdown + "\n";
        File.AppendAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
