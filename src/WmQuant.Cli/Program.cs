using System.CommandLine;
using WmQuant.Cli.Commands;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Diagnostics;

namespace WmQuant.Cli;

/// <summary>Entry point of `wmq`.</summary>
public static class Program
{
    /// <summary>Runs one wmq command; the exit code is one of <see cref="ExitCodes"/> (README: exit codes).</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, CliServices.Default);

    /// <summary>
    /// Runs one wmq command writing to the given writers, so commands can be tested in process. Parse errors are bad
    /// input (exit 2, WMQ2000); an exception that escapes a command is a bug, reported as WMQ3302 with exit 3, never
    /// as an unhandled crash.
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
            error.WriteLine(Diagnostic.Error(DiagnosticCodes.InternalError,
                $"internal error in wmq ({e.GetType().Name}: {e.Message})", hint: "this is a bug; please report it with the command line").ToCanonicalString());
            return ExitCodes.EnvironmentFailure;
        }
    }
}
