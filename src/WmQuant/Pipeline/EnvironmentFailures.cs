using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Runtime;

namespace WmQuant.Pipeline;

/// <summary>
/// The ways a recipe's run can end that are the environment's doing, not a bug: cancellation, too little memory, the
/// file system, the device, unreadable data. <c>wmq run</c> and <c>wmq tune</c> report them alike, as one diagnostic at
/// the recipe and exit code 3; any other exception is a bug and escapes to the command's last-resort handler.
/// </summary>
internal static class EnvironmentFailures
{
    /// <summary>The diagnostic for <paramref name="exception"/>, or null when it is a bug.</summary>
    /// <param name="exception">What ended the run.</param>
    /// <param name="at">The recipe's position.</param>
    /// <param name="recipeName">The recipe's name, which starts every message.</param>
    /// <param name="cancelled">What a cancellation leaves behind and how to resume (after "name: ").</param>
    public static Diagnostic? Diagnose(Exception exception, SourcePosition at, string recipeName, string cancelled) => exception switch
    {
        OperationCanceledException => Diagnostic.Error(DiagnosticCodes.StageFailed, $"{recipeName}: {cancelled}", at),
        _ when AllocationFailure.Diagnose(exception, at, recipeName) is { } outOfMemory => outOfMemory,
        IOException or UnauthorizedAccessException or TorchRuntimeException or InvalidDataException =>
            Diagnostic.Error(DiagnosticCodes.StageFailed, $"{recipeName} failed: {exception.Message}", at),
        _ => null,
    };

    /// <summary>Starts the tensor runtime, or says at <paramref name="at"/> why the device cannot be used.</summary>
    public static (TorchRuntimeInfo? Runtime, Diagnostic? Problem) Initialize(TorchRuntimeOptions options, SourcePosition at)
    {
        try
        {
            return (TorchRuntime.Initialize(options), null);
        }
        catch (TorchRuntimeException e)
        {
            return (null, Diagnostic.Error(DiagnosticCodes.DeviceUnavailable, e.Message, at));
        }
    }
}
