using System.Runtime.InteropServices;

namespace WmQuant.Cli.Hosting;

/// <summary>
/// Ctrl+C (SIGINT) as a cancellation token for the length of a command that stops cleanly at its next step
/// (<c>wmq train</c> keeps its last checkpoint), instead of the process dying mid-write. Signals, not
/// <see cref="Console"/>, so commands keep writing only to their invocation's writers.
/// </summary>
internal sealed class InterruptSignal : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration registration;

    public InterruptSignal() => registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
    {
        context.Cancel = true;
        source.Cancel();
    });

    /// <summary>Cancelled on the first Ctrl+C.</summary>
    public CancellationToken Token => source.Token;

    public void Dispose()
    {
        registration.Dispose();
        source.Dispose();
    }
}
