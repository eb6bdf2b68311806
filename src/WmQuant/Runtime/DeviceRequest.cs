using System.Globalization;

namespace WmQuant.Runtime;

/// <summary>What kind of device a recipe or command line asked for.</summary>
public enum DeviceKind
{
    /// <summary>CUDA when a usable CUDA libtorch and GPU are found, else CPU (with the reason logged).</summary>
    Auto,

    /// <summary>The CPU, always available.</summary>
    Cpu,

    /// <summary>A CUDA GPU; failing to get one is an error, never a silent fallback.</summary>
    Cuda,
}

/// <summary>A parsed device specification: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
/// <param name="Kind">The kind requested.</param>
/// <param name="Index">The CUDA ordinal for <c>cuda:N</c>; null means device 0.</param>
public sealed record DeviceRequest(DeviceKind Kind, int? Index = null)
{
    /// <summary>The accepted spellings, for error messages.</summary>
    public const string AllowedValues = "auto, cpu, cuda, cuda:N";

    /// <summary>Parses a specification; returns null and an explanation when it is not one.</summary>
    public static DeviceRequest? TryParse(string? text, out string? error)
    {
        error = null;
        string value = (text ?? "auto").Trim().ToLowerInvariant();
        switch (value)
        {
            case "auto":
                return new DeviceRequest(DeviceKind.Auto);
            case "cpu":
                return new DeviceRequest(DeviceKind.Cpu);
            case "cuda":
                return new DeviceRequest(DeviceKind.Cuda);
        }

        if (value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return new DeviceRequest(DeviceKind.Cuda, index);
        }

        error = $"'{text}' is not a device; allowed: {AllowedValues}";
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        DeviceKind.Auto => "auto",
        DeviceKind.Cpu => "cpu",
        _ => Index is null ? "cuda" : $"cuda:{Index.Value.ToString(CultureInfo.InvariantCulture)}",
    };
}
