using System.Globalization;
using System.Text;
using System.Xml;
using WmQuant.Gates;

namespace WmQuant.Cli.Ci;

/// <summary>
/// JUnit XML of gate verdicts, the format every CI server can show as test results: one &lt;testsuite&gt; per recipe
/// run, one &lt;testcase&gt; per gate, &lt;failure type=WMQ4001&gt; for failed gates and &lt;error type=WMQ4002&gt; for
/// gates that could not be judged. Built with System.Xml (always well formed); no timestamp unless one is given.
/// </summary>
public static class JUnitGateReport
{
    /// <summary>The report of one or more runs as UTF-8 XML text.</summary>
    public static string Render(IReadOnlyList<CiRunSummary> runs, string? baseDirectory = null, DateTimeOffset? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Entitize,
        };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("testsuites");
            writer.WriteAttributeString("name", "wmq gates");
            writer.WriteAttributeString("tests", N(runs.Sum(r => r.Verdicts.Count)));
            writer.WriteAttributeString("failures", N(runs.Sum(r => r.Failed)));
            writer.WriteAttributeString("errors", N(runs.Sum(r => r.NotJudged)));
            foreach (var run in runs)
            {
                WriteSuite(writer, run, baseDirectory, timestamp);
            }

            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Writes the report to <paramref name="path"/> (UTF-8, no byte-order mark).</summary>
    public static void Write(string path, IReadOnlyList<CiRunSummary> runs, string? baseDirectory = null, DateTimeOffset? timestamp = null) =>
        File.WriteAllText(path, Render(runs, baseDirectory, timestamp), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    private static void WriteSuite(XmlWriter writer, CiRunSummary run, string? baseDirectory, DateTimeOffset? timestamp)
    {
        writer.WriteStartElement("testsuite");
        writer.WriteAttributeString("name", Clean(run.RecipeName));
        writer.WriteAttributeString("tests", N(run.Verdicts.Count));
        writer.WriteAttributeString("failures", N(run.Failed));
        writer.WriteAttributeString("errors", N(run.NotJudged));
        writer.WriteAttributeString("skipped", "0");
        if (timestamp is { } time)
        {
            writer.WriteAttributeString("timestamp", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        }

        writer.WriteStartElement("properties");
        Property(writer, "artifact", run.ArtifactFolder);
        foreach (var metric in run.Metrics)
        {
            Property(writer, $"{metric.Name}.baseline", CiText.Metric(metric.Baseline));
            Property(writer, $"{metric.Name}.candidate", CiText.Metric(metric.Candidate));
        }

        writer.WriteEndElement();
        foreach (var verdict in run.Verdicts)
        {
            var (_, _, threshold) = CiText.Numbers(verdict);
            writer.WriteStartElement("testcase");
            writer.WriteAttributeString("classname", Clean($"wmq.gates.{run.RecipeName}"));
            writer.WriteAttributeString("name", Clean($"{verdict.MetricName} {verdict.KindName} {threshold} ({CiText.RecipeLine(verdict.Position, baseDirectory)})"));
            writer.WriteAttributeString("file", Clean(CiText.RelativeFile(verdict.Position, baseDirectory)));
            writer.WriteAttributeString("line", N(verdict.Position?.Line ?? 0));
            if (verdict.Code is { } code)
            {
                writer.WriteStartElement(verdict.Outcome == GateOutcome.Failed ? "failure" : "error");
                writer.WriteAttributeString("message", Clean(verdict.Message));
                writer.WriteAttributeString("type", code);
                writer.WriteString(Clean(verdict.ToDiagnostic()!.ToCanonicalString(baseDirectory)));
                writer.WriteEndElement();
            }
            else
            {
                writer.WriteElementString("system-out", Clean(verdict.Message));
            }

            writer.WriteEndElement();
        }

        writer.WriteEndElement();
    }

    private static void Property(XmlWriter writer, string name, string value)
    {
        writer.WriteStartElement("property");
        writer.WriteAttributeString("name", Clean(name));
        writer.WriteAttributeString("value", Clean(value));
        writer.WriteEndElement();
    }

    /// <summary>Replaces characters XML 1.0 cannot carry (control characters, lone surrogates) with U+FFFD.</summary>
    internal static string Clean(string text)
    {
        StringBuilder? cleaned = null;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], ch))
            {
                cleaned?.Append(ch).Append(text[i + 1]);
                i++;
                continue;
            }

            if (XmlConvert.IsXmlChar(ch))
            {
                cleaned?.Append(ch);
                continue;
            }

            cleaned ??= new StringBuilder(text, 0, i, text.Length);
            cleaned.Append('\uFFFD');
        }

        return cleaned?.ToString() ?? text;
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
