using System.CommandLine;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Cli.Hosting;

/// <summary>What commands take from their host instead of from globals: the method registry (tests register toy methods here).</summary>
/// <param name="Methods">The quantization methods recipes and options may name.</param>
internal sealed record CliServices(QuantizationMethodRegistry Methods)
{
    /// <summary>The built-in registries.</summary>
    public static CliServices Default { get; } = new(QuantizationMethodRegistry.Builtin);
}

/// <summary>The writers of an invocation: commands write here, never to <see cref="Console"/>, so they can run in process.</summary>
internal static class InvocationWriters
{
    /// <summary>Standard output of the invocation.</summary>
    public static TextWriter Out(this ParseResult parse) => parse.InvocationConfiguration.Output;

    /// <summary>Standard error of the invocation.</summary>
    public static TextWriter Error(this ParseResult parse) => parse.InvocationConfiguration.Error;

    /// <summary>Writes diagnostics as canonical lines (paths relative to the working directory); true when any is an error.</summary>
    public static bool Report(this TextWriter writer, IEnumerable<Diagnostic> diagnostics)
    {
        string cwd = Directory.GetCurrentDirectory();
        bool errors = false;
        foreach (var diagnostic in diagnostics)
        {
            writer.WriteLine(diagnostic.ToCanonicalString(cwd));
            errors |= diagnostic.IsError;
        }

        return errors;
    }

    /// <summary>
    /// Writes diagnostics to standard error and returns the exit code their errors lead to
    /// (<see cref="ExitCodes.ForErrors"/>): a command's one way to stop on problems a use-case returned.
    /// </summary>
    public static int ExitWith(this ParseResult parse, IReadOnlyList<Diagnostic> diagnostics)
    {
        parse.Error().Report(diagnostics);
        return ExitCodes.ForErrors(diagnostics.Where(d => d.IsError).Select(d => d.Code));
    }
}
