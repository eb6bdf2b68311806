namespace WmQuant.IO.Safetensors;

/// <summary>
/// A file that is not a valid safetensors file. The message always starts with the path and,
/// when one tensor is at fault, names it: <c>&lt;path&gt;: tensor 'x': &lt;what is wrong&gt;</c>,
/// so a user can tell which file and which entry to regenerate.
/// </summary>
public sealed class SafetensorsFormatException : Exception
{
    /// <summary>For serializers and frameworks that need it; prefer the path-aware constructor.</summary>
    public SafetensorsFormatException()
        : this(string.Empty, null, "not a valid safetensors file")
    {
    }

    /// <summary>For callers that already composed a full message.</summary>
    public SafetensorsFormatException(string message)
        : base(message)
    {
        Path = string.Empty;
        Problem = message;
    }

    /// <summary>For callers that already composed a full message and wrap a cause.</summary>
    public SafetensorsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = string.Empty;
        Problem = message;
    }

    /// <summary>The constructor the reader uses: file, offending tensor (if any), and the problem.</summary>
    public SafetensorsFormatException(string path, string? tensorName, string problem, Exception? innerException = null)
        : base(Compose(path, tensorName, problem), innerException)
    {
        Path = path;
        TensorName = tensorName;
        Problem = problem;
    }

    /// <summary>The file that failed validation.</summary>
    public string Path { get; }

    /// <summary>The header entry at fault, or null when the problem is file-wide.</summary>
    public string? TensorName { get; }

    /// <summary>What is wrong, without the path and tensor prefix.</summary>
    public string Problem { get; }

    private static string Compose(string path, string? tensorName, string problem) =>
        tensorName is null ? $"{path}: {problem}" : $"{path}: tensor '{tensorName}': {problem}";
}
