using WmQuant.Cli;
using WmQuant.Cli.Hosting;

namespace WmQuant.Tests.Cli;

/// <summary>One wmq command run in process through <see cref="Program.Run"/>, with what it wrote to standard output and error.</summary>
internal sealed record WmqResult(int ExitCode, string Out, string Error)
{
    public static WmqResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Program.Run(args, output, error, CliServices.Default);
        return new WmqResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Everything, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Error}";
}
