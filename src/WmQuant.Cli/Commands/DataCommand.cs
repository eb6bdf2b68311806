using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Environments;
using WmQuant.Environments.Datasets;
using WmQuant.Naming;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq data`: offline datasets for training world models on the native environments — the options of
/// <see cref="DatasetGeneration"/>, a dataset's card, and <see cref="EnvironmentBench"/>.
/// </summary>
internal static class DataCommand
{
    /// <summary>The command line of <c>wmq data generate</c>, read once.</summary>
    private sealed record GenerateOptions(DatasetGenerationRequest Request);

    /// <summary>The command line of <c>wmq data bench</c>, read once.</summary>
    private sealed record BenchOptions(string Environment, int Instances, int Steps, int Size);

    public static Command Create()
    {
        var data = new Command("data", "Generate and inspect offline trajectory datasets.");
        data.Subcommands.Add(CreateGenerate());
        data.Subcommands.Add(CreateInfo());
        data.Subcommands.Add(CreateBench());
        return data;
    }

    private static Command CreateGenerate()
    {
        var env = new Option<string>("--env")
        {
            Description = $"Environment: {string.Join(" or ", DatasetGenerators.Environments)}.",
            Required = true,
        };
        env.AcceptOnlyFromAmong([.. DatasetGenerators.Environments]);
        var output = new Option<string>("--out") { Description = "Output folder (dataset.json + states.f32 + actions.f32).", Required = true };
        static string Defaults(Func<DatasetGeneratorDefinition, int> value) =>
            string.Join(", ", DatasetGenerators.All.Select(g => $"{g.Environment} {value(g)}"));
        var trajectories = new Option<int?>("--trajectories")
        {
            Description = $"Number of trajectories (default: {Defaults(g => g.DefaultTrajectories)}).",
        };
        var steps = new Option<int?>("--steps") { Description = $"Actions per trajectory (default: {Defaults(g => g.DefaultSteps)})." };
        var seed = new Option<int>("--seed") { Description = "Master seed.", DefaultValueFactory = _ => 0 };
        var policy = new Option<string>("--policy")
        {
            Description = "Wall data policy: exploration (fast directional walks and door crossings) or random-walk " +
                "(slow meandering walks, the first reference model's data).",
            DefaultValueFactory = _ => "exploration",
        };
        policy.AcceptOnlyFromAmong([.. Names.All<WallDataPolicy>()]);
        var noise = new Option<double?>("--action-noise")
        {
            Description = "PushT: standard deviation of the Gaussian noise on every scripted action (default 0.05).",
        };
        var exploration = new Option<double>("--exploration-share")
        {
            Description = "PushT: share of trajectories that start next to the block and mix independent random actions, lunges at the block " +
                "and scripted pushing (0–1; default 0).",
            DefaultValueFactory = _ => 0,
        };
        var demoPace = new Option<double>("--demo-pace-share")
        {
            Description = "PushT: share of trajectories whose pusher keeps upstream's human-demonstration pace (a task in ~125 steps) " +
                "instead of the fast scripted one (0–1; default 0).",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("generate", "Generate a dataset: Wall exploration (or random walks) or PushT scripted pushing with noise.");
        foreach (var option in new Option[] { env, output, trajectories, steps, seed, policy, noise, exploration, demoPace })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Generate(parse, new GenerateOptions(new DatasetGenerationRequest(
            parse.GetValue(env)!,
            parse.GetValue(output)!,
            parse.GetValue(trajectories),
            parse.GetValue(steps),
            parse.GetValue(seed),
            new DatasetGeneratorOptions(
                Names.Parse<WallDataPolicy>(parse.GetValue(policy))!.Value,
                parse.GetValue(noise) ?? new DatasetGeneratorOptions().PushTActionNoise,
                parse.GetValue(exploration),
                parse.GetValue(demoPace))))));
        return command;
    }

    private static int Generate(ParseResult parse, GenerateOptions options)
    {
        var request = options.Request;
        var problems = new List<string>();
        if (request.Options.PushTExplorationShare is < 0 or > 1 || request.Options.PushTDemoPaceShare is < 0 or > 1)
        {
            problems.Add("--exploration-share and --demo-pace-share must lie in [0, 1].");
        }

        if (request.TrajectoryCount <= 0 || request.StepCount <= 0)
        {
            problems.Add("--trajectories and --steps must be positive.");
        }

        if (OptionErrors.Report(parse.Error(), problems))
        {
            return ExitCodes.InvalidInput;
        }

        var error = parse.Error();
        var n = request.TrajectoryCount;
        var watch = Stopwatch.StartNew();
        var lastReported = 0;
        var gate = new object();
        // Generators report from their worker threads; printing there, under a lock, keeps every line inside the command.
        var progress = new InlineProgress(done =>
        {
            lock (gate)
            {
                var tenth = done * 10 / n;
                if (tenth > lastReported)
                {
                    lastReported = tenth;
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {done}/{n} trajectories ({watch.Elapsed.TotalSeconds:F1} s)"));
                }
            }
        });
        error.WriteLine($"Generating {n} {request.Environment} trajectories × {request.StepCount} steps (seed {request.Seed}) " +
            $"into {request.OutputDirectory}");
        var outcome = DatasetGeneration.Run(request, progress);
        if (outcome.Card is not { } card)
        {
            return parse.ExitWith(outcome.Problems);
        }

        var inv = CultureInfo.InvariantCulture;
        string Listed(double[] values) => string.Join(", ", values.Select(v => v.ToString("F4", inv)));
        parse.Out().WriteLine(string.Create(inv,
            $"Wrote {card.Trajectories} trajectories ({card.Trajectories * card.StepsPerTrajectory} steps) to {request.OutputDirectory} " +
            $"in {watch.Elapsed.TotalSeconds:F2} s; action mean [{Listed(card.ActionMean)}], std [{Listed(card.ActionStd)}]"));
        return ExitCodes.Passed;
    }

    private static Command CreateBench()
    {
        var env = new Option<string>("--env")
        {
            Description = $"Environment: {string.Join(" or ", EnvironmentCatalog.Names)}.",
            DefaultValueFactory = _ => "pusht",
        };
        env.AcceptOnlyFromAmong([.. EnvironmentCatalog.Names]);
        var instances = new Option<int>("--instances") { Description = "Parallel environment instances.", DefaultValueFactory = _ => 50 };
        var steps = new Option<int>("--steps") { Description = "Environment steps per instance.", DefaultValueFactory = _ => 25 };
        var size = new Option<int>("--size") { Description = "Rendered image size in pixels.", DefaultValueFactory = _ => 224 };
        var command = new Command("bench", "Time batched stepping and rendering of an environment (what MPC evaluation pays per iteration).");
        command.Options.Add(env);
        command.Options.Add(instances);
        command.Options.Add(steps);
        command.Options.Add(size);
        command.SetAction(parse =>
            Bench(parse, new BenchOptions(parse.GetValue(env)!, parse.GetValue(instances), parse.GetValue(steps), parse.GetValue(size))));
        return command;
    }

    private static int Bench(ParseResult parse, BenchOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        var problems = OptionErrors.BelowOne(("--instances", options.Instances), ("--steps", options.Steps), ("--size", options.Size));
        if (OptionErrors.Report(parse.Error(), problems))
        {
            return ExitCodes.InvalidInput;
        }

        var r = EnvironmentBench.Run(options.Environment, options.Instances, options.Steps, options.Size);
        parse.Out().WriteLine(string.Create(inv,
            $"{options.Environment}: {options.Instances} instances × {options.Steps} steps in {r.StepMilliseconds:F2} ms; " +
            $"{options.Instances} frames at {options.Size} px in {r.RenderMilliseconds:F2} ms " +
            $"(best of {r.Repeats}, {Environment.ProcessorCount} cores)"));
        return ExitCodes.Passed;
    }

    private static Command CreateInfo()
    {
        var dir = new Option<string>("--dir") { Description = "Dataset folder.", Required = true };
        var command = new Command("info", "Print a dataset's card.");
        command.Options.Add(dir);
        command.SetAction(parse =>
        {
            var (text, problem) = TrajectoryDataset.ReadCardText(parse.GetValue(dir)!);
            if (text is null)
            {
                return parse.ExitWith([problem!]);
            }

            parse.Out().WriteLine(text);
            return ExitCodes.Passed;
        });
        return command;
    }

    /// <summary>Reports on the reporting thread (<see cref="Progress{T}"/> posts to the thread pool: lines could outlive the command).</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
