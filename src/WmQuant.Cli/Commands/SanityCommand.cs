using System.CommandLine;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Environments;
using WmQuant.Runtime;
using WmQuant.Training.Sanity;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq sanity`: the options of <see cref="SanityReport"/> and its tables (open-loop error per step, distance profiles).</summary>
internal static class SanityCommand
{
    /// <summary>The command line of a sanity check, read once.</summary>
    private sealed record Options(SanityRequest Request, TorchRuntimeOptions Runtime);

    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var model = new Option<string>("--model")
        {
            Description = "Model folder (model.safetensors, model.yaml, normalization.json) or its model.safetensors.",
            Required = true,
        };
        var env = new Option<string>("--env") { Description = string.Join(" | ", EnvironmentCatalog.Names), Required = true };
        env.AcceptOnlyFromAmong([.. EnvironmentCatalog.Names]);
        var output = new Option<string>("--out") { Description = "Folder for sanity.json and reconstructions.png.", Required = true };
        var episodes = new Option<int>("--episodes") { Description = "Rollouts with random actions (seeds 99·n+3).", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Open-loop prediction steps (model actions).", DefaultValueFactory = _ => 5 };
        var images = new Option<int>("--images") { Description = "Episodes shown in reconstructions.png.", DefaultValueFactory = _ => 3 };
        var pairs = new Option<int>("--profile-episodes")
        {
            Description = "Episodes whose start and goal observations are compared pairwise for the distance profile.",
            DefaultValueFactory = _ => 80,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the random actions.", DefaultValueFactory = _ => 0 };
        var command = new Command("sanity",
            "Open-loop prediction error vs a copy-last-frame baseline, decoder reconstructions (PNG) and the objective's distance profile " +
            "of a trained model.");
        runtime.AddTo(command);
        foreach (var option in new Option[] { model, env, output, episodes, steps, images, pairs, seed })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Handle(parse, new Options(
            new SanityRequest(
                parse.GetValue(model)!,
                parse.GetValue(env)!,
                parse.GetValue(output)!,
                parse.GetValue(episodes),
                parse.GetValue(steps),
                parse.GetValue(images),
                parse.GetValue(pairs),
                parse.GetValue(seed)),
            runtime.Read(parse, parse.GetValue(seed)))));
        return command;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var request = options.Request;
        var problems = OptionErrors.BelowOne(
            ("--episodes", request.Episodes), ("--steps", request.Steps), ("--images", request.Images),
            ("--profile-episodes", request.ProfileEpisodes));
        if (OptionErrors.Report(parse.Error(), problems))
        {
            return ExitCodes.InvalidInput;
        }

        if (RuntimeOptionSet.Start(parse, options.Runtime) is not { } info)
        {
            return ExitCodes.EnvironmentFailure;
        }

        var outcome = SanityReport.Run(request, info.Device);
        if (outcome.Record is not { } record)
        {
            return parse.ExitWith(outcome.Problems);
        }

        var output = parse.Out();
        var inv = CultureInfo.InvariantCulture;
        var report = record.OpenLoop;
        output.WriteLine($"open-loop prediction over {report.Episodes} random-action rollouts ({record.Environment}, " +
            $"seeds 99·n+{record.EpisodeSeedOffset}), visual latent MSE per step:");
        output.WriteLine("step  model      copy-last  ratio   | proprio model  copy-last");
        for (var i = 0; i < report.Steps.Length; i++)
        {
            output.WriteLine(string.Create(inv,
                $"{report.Steps[i],4}  {report.ModelVisualMse[i],-9:G4}  {report.CopyLastVisualMse[i],-9:G4}  {record.VisualRatio[i],-6:F3}  " +
                $"| {report.ModelProprioMse[i],-13:G4}  {report.CopyLastProprioMse[i]:G4}"));
        }

        foreach (var profile in record.DistanceProfiles)
        {
            output.WriteLine(string.Create(inv,
                $"objective terms vs {profile.Reference}: Spearman visual {profile.VisualSpearman:F3}, proprio {profile.ProprioSpearman:F3}"));
            foreach (var band in profile.Bands)
            {
                output.WriteLine(string.Create(inv,
                    $"  [{band.From,5:F1}, {band.To,5:F1})  pairs {band.Pairs,5}  visual {band.VisualMse,-9:G4}  proprio {band.ProprioMse:G4}"));
            }
        }

        output.WriteLine($"wrote {outcome.RecordPath} and {outcome.ImagePath}");
        return ExitCodes.Passed;
    }
}
