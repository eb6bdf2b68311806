using System.CommandLine;
using WmQuant.Cli.Commands;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Runtime;

namespace WmQuant.Cli;

/// <summary>Entry point of `wmq`.</summary>
public static class Program
{
    /// <summary>Runs one wmq command; the exit code is one of <see cref="ExitCodes"/> (README: exit codes).</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, CliServices.Default);

    /// <summary>
    /// Runs one wmq command writing to the given writers, so commands can be tested in process. Parse errors are bad
    /// input (exit 2, WMQ2000); an exception that escapes a command is reported with exit 3, never as an unhandled
    /// crash: as WMQ3304 when libtorch ran out of memory, else as a bug (WMQ3302).
    /// </summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error, CliServices services)
    {
        var root = new RootCommand("wmq: calibrate, quantize, evaluate and gate DINO-WM world models.");
        foreach (var command in CommandCatalog.All(services))
        {
            root.Subcommands.Add(command);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                error.WriteLine(Diagnostic.Error(DiagnosticCodes.CommandLine, problem.Message, hint: "run 'wmq --help' or 'wmq <command> --help' for the accepted options").ToCanonicalString());
            }

            return ExitCodes.InvalidInput;
        }

        try
        {
            using var signal = new TerminationSignal(error);
            var configuration = new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
            };
            return parse.InvokeAsync(configuration, signal.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine(Escaped(e).ToCanonicalString());
            return ExitCodes.EnvironmentFailure;
        }
    }

    /// <summary>
    /// What an exception that escaped a command is reported as: libtorch failing to allocate memory is the machine
    /// being too small (WMQ3304, with what to lower), anything else a bug (WMQ3302). Either way one line: only the
    /// first line of the message, since libtorch appends its native stack trace to every message it raises.
    /// </summary>
    internal static Diagnostic Escaped(Exception exception) =>
        AllocationFailure.Diagnose(exception)
        ?? Diagnostic.Error(DiagnosticCodes.InternalError,
            $"internal error in wmq ({exception.GetType().Name}: {NativeMessage.FirstLine(exception.Message)})", hint: "this is a bug; please report it with the command line");
}
