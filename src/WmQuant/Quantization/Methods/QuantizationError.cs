namespace WmQuant.Quantization.Methods;

/// <summary>
/// Why a quantization request cannot run, as a value the pipeline turns into a user-facing error (nothing in the
/// model has changed when one is returned). <see cref="Code"/> is stable for tests and tools; the message says
/// what to change.
/// </summary>
/// <param name="Code">One of the constants on this type.</param>
/// <param name="Message">What is wrong and what would work.</param>
public sealed record QuantizationError(string Code, string Message)
{
    /// <summary>The method is named by recipes but not implemented yet.</summary>
    public const string NotImplemented = "not-implemented";

    /// <summary>Static activation ranges were requested without calibration data.</summary>
    public const string CalibrationRequired = "calibration-required";

    /// <summary>The calibration data lacks layers the plan needs, or holds them with another width.</summary>
    public const string CalibrationMismatch = "calibration-mismatch";

    /// <summary>The request itself is inconsistent (for example a layer that cannot be quantized that way).</summary>
    public const string InvalidRequest = "invalid-request";

    /// <summary>"code: message", for logs.</summary>
    public override string ToString() => $"{Code}: {Message}";
}
