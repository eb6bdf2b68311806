using System.Globalization;
using System.Text;
using WmQuant.Gates;

namespace WmQuant.Cli.Ci;

/// <summary>
/// The GitHub job summary of recipe runs: per run a headline, a gate table (metric, kind, value, bound, threshold,
/// verdict, recipe line), every verdict's message, and FP-vs-quantized metrics. Deterministic text, no timestamps.
/// </summary>
public static class StepSummaryMarkdown
{
    /// <summary>Markdown for one run; recipe files are shown relative to <paramref name="baseDirectory"/>.</summary>
    public static string Render(CiRunSummary run, string? baseDirectory = null) => Render([run], baseDirectory);

    /// <summary>Markdown for several runs (a sweep), one section each.</summary>
    public static string Render(IReadOnlyList<CiRunSummary> runs, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var text = new StringBuilder();
        foreach (var run in runs)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            AppendRun(text, run, baseDirectory);
        }

        return text.ToString();
    }

    private static void AppendRun(StringBuilder text, CiRunSummary run, string? baseDirectory)
    {
        text.Append("### ").Append(run.Passed ? "✅ " : "❌ ").Append(Cell(run.RecipeName)).Append(": ").Append(Headline(run)).Append("\n\n");
        text.Append("Artifact: ").Append(Code(run.ArtifactFolder)).Append("\n\n");
        if (run.Verdicts.Count > 0)
        {
            text.Append("| metric | kind | value | bound | threshold | verdict | recipe line |\n");
            text.Append("|---|---|---:|---:|---:|---|---|\n");
            foreach (var verdict in run.Verdicts)
            {
                var (value, bound, threshold) = CiText.Numbers(verdict);
                text.Append("| ").Append(verdict.MetricName)
                    .Append(" | ").Append(verdict.KindName)
                    .Append(" | ").Append(value)
                    .Append(" | ").Append(bound)
                    .Append(" | ").Append(threshold)
                    .Append(" | ").Append(Status(verdict.Outcome))
                    .Append(" | ").Append(Cell(CiText.RecipeLine(verdict.Position, baseDirectory)))
                    .Append(" |\n");
            }

            text.Append('\n');
            foreach (var verdict in run.Verdicts)
            {
                text.Append("- ").Append(Icon(verdict.Outcome)).Append(' ')
                    .Append(Code(CiText.RecipeLine(verdict.Position, baseDirectory))).Append(' ');
                if (verdict.Code is { } code)
                {
                    text.Append(code).Append(": ");
                }

                text.Append(Cell(verdict.Message)).Append('\n');
            }

            text.Append('\n');
        }

        if (run.Metrics.Count > 0)
        {
            text.Append("| metric | FP baseline | quantized | change |\n");
            text.Append("|---|---:|---:|---:|\n");
            foreach (var metric in run.Metrics)
            {
                double? change = metric.Baseline is { } b && metric.Candidate is { } c ? c - b : null;
                string changeText = change is { } d ? (d > 0 ? "+" : string.Empty) + CiText.Metric(d) : "—";
                text.Append("| ").Append(Cell(metric.Name))
                    .Append(" | ").Append(CiText.Metric(metric.Baseline))
                    .Append(" | ").Append(CiText.Metric(metric.Candidate))
                    .Append(" | ").Append(changeText)
                    .Append(" |\n");
            }

            text.Append('\n');
        }
    }

    private static string Headline(CiRunSummary run)
    {
        int total = run.Verdicts.Count;
        if (total == 0)
        {
            return "no gates";
        }

        if (run.Passed)
        {
            return total == 1 ? "the gate passed" : $"all {N(total)} gates passed";
        }

        var parts = new List<string>();
        if (run.Failed > 0)
        {
            parts.Add($"{N(run.Failed)} failed");
        }

        if (run.NotJudged > 0)
        {
            parts.Add($"{N(run.NotJudged)} not judged");
        }

        return $"{string.Join(", ", parts)} of {N(total)} {(total == 1 ? "gate" : "gates")}";
    }

    private static string Status(GateOutcome outcome) => outcome switch
    {
        GateOutcome.Passed => "✅ passed",
        GateOutcome.Failed => "❌ failed",
        _ => "⚠️ not judged",
    };

    private static string Icon(GateOutcome outcome) => outcome switch
    {
        GateOutcome.Passed => "✅",
        GateOutcome.Failed => "❌",
        _ => "⚠️",
    };

    /// <summary>Text safe inside a table cell or list item: pipes escaped, line breaks folded.</summary>
    private static string Cell(string text) =>
        text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ').Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>Inline code that survives backticks in the text (a longer fence, padded when needed).</summary>
    private static string Code(string text)
    {
        string flat = text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
        int longest = 0, run = 0;
        foreach (char ch in flat)
        {
            run = ch == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        string fence = new('`', longest + 1);
        string pad = longest > 0 ? " " : string.Empty;
        return fence + pad + flat + pad + fence;
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
