using System.CommandLine;
using WmQuant.Cli.Commands;

namespace WmQuant.Cli;

/// <summary>Entry point of `wmq`.</summary>
public static class Program
{
    /// <summary>Runs one wmq command; the exit code is documented in the README.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("wmq: calibrate, quantize, evaluate and gate DINO-WM world models.");
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(args).Invoke();
    }
}
