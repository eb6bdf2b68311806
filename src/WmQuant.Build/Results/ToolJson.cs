using System.Text.Json;

namespace WmQuant.Build.Results;

/// <summary>Reads wmq's snake_case JSON; malformed output becomes a message, not an exception, so the build can say what went wrong.</summary>
internal static class ToolJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        AllowTrailingCommas = true,
    };

    /// <summary>Deserialises the first JSON object in <paramref name="text"/> (anything printed before its opening brace is ignored).</summary>
    public static T? TryRead<T>(string text, out string? problem)
        where T : class
    {
        problem = null;
        int start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            problem = "wmq printed no JSON object on standard output";
            return null;
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(text.AsSpan(start), Options);
            if (value is null)
            {
                problem = "wmq printed a null JSON value";
            }

            return value;
        }
        catch (JsonException e)
        {
            problem = "wmq's JSON output could not be read: " + e.Message;
            return null;
        }
    }
}
