namespace WmQuant.Runtime;

/// <summary>
/// What of an exception message a user sees. libtorch appends its native stack trace to every message it raises, so
/// every report that quotes one (out of memory, a missing kernel, an internal error) quotes its first line only.
/// </summary>
public static class NativeMessage
{
    /// <summary>The first line of <paramref name="message"/>, without surrounding white space.</summary>
    public static string FirstLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Split('\n', 2)[0].Trim();
    }
}
