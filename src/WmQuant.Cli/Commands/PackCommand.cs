using System.CommandLine;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Pipeline.Artifacts;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq pack`: <see cref="ArtifactPackage.Pack"/> of an artifact folder; prints the package's path.</summary>
internal static class PackCommand
{
    /// <summary>The command line of a pack, read once.</summary>
    private sealed record Options(string Artifact, string? Output);

    public static Command Create()
    {
        var artifact = new Argument<string>("artifact") { Description = "The artifact folder (with manifest.json)." };
        var output = new Option<string?>("--out") { Description = "Folder for the .nupkg (default: the artifact's parent folder)." };
        var command = new Command("pack", "Pack an artifact folder as <name>.<version>.nupkg (deterministic bytes).");
        command.Arguments.Add(artifact);
        command.Options.Add(output);
        command.SetAction(parse => Handle(parse, new Options(parse.GetValue(artifact)!, parse.GetValue(output))));
        return command;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var outcome = ArtifactPackage.Pack(options.Artifact, options.Output);
        if (outcome.PackagePath is not { } package)
        {
            return parse.ExitWith(outcome.Problems);
        }

        parse.Out().WriteLine(package);
        return ExitCodes.Passed;
    }
}
