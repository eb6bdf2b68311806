using System.Text;

namespace WmQuant.Reports.Documents;

/// <summary>Makes arbitrary text literal in markdown: names from recipes must not turn into links, HTML, emphasis or table breaks.</summary>
internal static class MarkdownText
{
    private const string Special = "\\`*_[]<>|#~!&{}";

    /// <summary><paramref name="text"/> with markdown punctuation backslash-escaped and line breaks turned into spaces.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\r' or '\n')
            {
                builder.Append(' ');
                continue;
            }

            if (Special.Contains(c, StringComparison.Ordinal))
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
