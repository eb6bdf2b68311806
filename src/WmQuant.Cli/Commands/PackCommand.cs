using System.CommandLine;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.Pipeline.Artifacts;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq pack`: an existing artifact folder as a NuGet package, after checking it still matches its manifest.</summary>
internal static class PackCommand
{
    public static Command Create()
    {
        var artifact = new Argument<string>("artifact") { Description = "The artifact folder (with manifest.json)." };
        var output = new Option<string?>("--out") { Description = "Folder for the .nupkg (default: the artifact's parent folder)." };
        var command = new Command("pack", "Pack an artifact folder as <name>.<version>.nupkg (deterministic bytes).");
        command.Arguments.Add(artifact);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            string directory = Path.GetFullPath(parse.GetValue(artifact)!);
            var (manifest, loadProblem) = ArtifactManifest.TryLoadFolder(directory);
            if (manifest is null)
            {
                Console.Error.WriteLine(loadProblem);
                return ExitCodes.InvalidInput;
            }

            var problems = ArtifactVerifier.Verify(directory, manifest);
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"{Path.Combine(directory, problem)}: error WMQ3401: artifact does not match its manifest; nothing packed");
            }

            if (problems.Count > 0)
            {
                return ExitCodes.InvalidInput;
            }

            string outDir = Path.GetFullPath(parse.GetValue(output) ?? Path.GetDirectoryName(directory)!);
            Directory.CreateDirectory(outDir);
            Console.WriteLine(ArtifactPackage.Write(directory, manifest, outDir));
            return ExitCodes.Passed;
        });
        return command;
    }
}
