using System.Runtime.InteropServices;
using WmQuant.Contract;

namespace WmQuant.Cli.Hosting;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM (a CI runner cancelling a job) as one cancellation token for the whole invocation:
/// the first signal asks the command to stop at its next step (finished stages stay cached, <c>wmq train</c> keeps
/// its last checkpoint, nothing half-written is left), a second one ends the process at once with exit code 3.
/// System.CommandLine's own handler is switched off because a second signal made it throw from its signal thread
/// (an unhandled InvalidOperationException, exit 134).
/// </summary>
internal sealed partial class TerminationSignal : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration[] registrations;
    private readonly TextWriter error;
    private int received;

    public TerminationSignal(TextWriter error)
    {
        this.error = error;
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled on the first signal.</summary>
    public CancellationToken Token => source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref received) == 1)
        {
            error.WriteLine($"wmq: {context.Signal} received; stopping at the next step (send it again to exit at once)");
            source.Cancel();
            return;
        }

        // Every file wmq writes goes through a temporary name and a rename, so stopping here leaves no partial output.
        // _exit, not Environment.Exit: running libtorch's exit handlers while its worker threads compute crashes (SIGSEGV).
        error.WriteLine($"wmq: {context.Signal} received again; exiting now");
        error.Flush();
        ExitNow(ExitCodes.EnvironmentFailure);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        source.Dispose();
    }
}
