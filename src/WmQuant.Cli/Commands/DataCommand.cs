using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.Environments.Datasets;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq data`: offline datasets for training world models on the native environments.</summary>
internal static class DataCommand
{
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
        var env = new Option<string>("--env") { Description = "Environment: wall or pusht.", Required = true };
        env.AcceptOnlyFromAmong("wall", "pusht");
        var output = new Option<string>("--out") { Description = "Output folder (dataset.json + states.f32 + actions.f32).", Required = true };
        var trajectories = new Option<int?>("--trajectories") { Description = "Number of trajectories (default: wall 1920, pusht 400)." };
        var steps = new Option<int?>("--steps") { Description = "Actions per trajectory (default: wall 50, pusht 100)." };
        var seed = new Option<int>("--seed") { Description = "Master seed.", DefaultValueFactory = _ => 0 };
        var policy = new Option<string>("--policy") { Description = "Wall data policy: exploration (fast directional walks and door crossings) or random-walk (slow meandering walks, the first reference model's data).", DefaultValueFactory = _ => "exploration" };
        policy.AcceptOnlyFromAmong("exploration", "random-walk");
        var noise = new Option<double?>("--action-noise") { Description = "PushT: standard deviation of the Gaussian noise on every scripted action (default 0.05)." };

        var exploration = new Option<double>("--exploration-share") { Description = "PushT: share of trajectories that start next to the block and mix independent random actions, lunges at the block and scripted pushing (0–1; default 0).", DefaultValueFactory = _ => 0 };
        var demoPace = new Option<double>("--demo-pace-share") { Description = "PushT: share of trajectories whose pusher keeps upstream's human-demonstration pace (a task in ~125 steps) instead of the fast scripted one (0–1; default 0).", DefaultValueFactory = _ => 0 };
        var command = new Command("generate", "Generate a dataset: Wall exploration (or random walks) or PushT scripted pushing with noise.");
        command.Options.Add(env);
        command.Options.Add(output);
        command.Options.Add(trajectories);
        command.Options.Add(steps);
        command.Options.Add(seed);
        command.Options.Add(policy);
        command.Options.Add(noise);
        command.Options.Add(exploration);
        command.Options.Add(demoPace);
        command.SetAction(parseResult =>
        {
            var name = parseResult.GetValue(env)!;
            var dir = parseResult.GetValue(output)!;
            IDatasetGenerator generator = name switch
            {
                "wall" when parseResult.GetValue(policy) == "random-walk" => new WallRandomWalkGenerator(),
                "wall" => new WallExplorationGenerator(),
                _ => new PushTScriptedGenerator
                {
                    ActionNoise = parseResult.GetValue(noise) ?? 0.05,
                    ExplorationShare = parseResult.GetValue(exploration),
                    DemoPaceShare = parseResult.GetValue(demoPace),
                },
            };
            var n = parseResult.GetValue(trajectories) ?? (name == "wall" ? 1920 : 400);
            var t = parseResult.GetValue(steps) ?? (name == "wall" ? 50 : 100);
            if (parseResult.GetValue(exploration) is < 0 or > 1 || parseResult.GetValue(demoPace) is < 0 or > 1)
            {
                Console.Error.WriteLine("error WMQ2001: --exploration-share and --demo-pace-share must lie in [0, 1].");
                return ExitCodes.InvalidInput;
            }

            if (n <= 0 || t <= 0)
            {
                Console.Error.WriteLine("error WMQ2001: --trajectories and --steps must be positive.");
                return ExitCodes.InvalidInput;
            }

            var s = parseResult.GetValue(seed);
            var watch = Stopwatch.StartNew();
            var lastReported = 0;
            var gate = new object();
            var progress = new Progress<int>(done =>
            {
                lock (gate)
                {
                    var percent = done * 10 / n;
                    if (percent > lastReported)
                    {
                        lastReported = percent;
                        Console.Error.WriteLine($"  {done}/{n} trajectories ({watch.Elapsed.TotalSeconds:F1} s)");
                    }
                }
            });
            Console.Error.WriteLine($"Generating {n} {name} trajectories × {t} steps (seed {s}) into {dir}");
            var dataset = generator.Generate(n, t, s, progress);
            dataset.Save(dir);
            var card = dataset.Card;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {card.Trajectories} trajectories ({card.Trajectories * card.StepsPerTrajectory} steps) to {dir} in {watch.Elapsed.TotalSeconds:F2} s; action mean [{string.Join(", ", card.ActionMean.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))}], std [{string.Join(", ", card.ActionStd.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))}]"));
            return 0;
        });
        return command;
    }

    private static Command CreateBench()
    {
        var env = new Option<string>("--env") { Description = "Environment: wall or pusht.", DefaultValueFactory = _ => "pusht" };
        env.AcceptOnlyFromAmong("wall", "pusht");
        var instances = new Option<int>("--instances") { Description = "Parallel environment instances.", DefaultValueFactory = _ => 50 };
        var steps = new Option<int>("--steps") { Description = "Environment steps per instance.", DefaultValueFactory = _ => 25 };
        var size = new Option<int>("--size") { Description = "Rendered image size in pixels.", DefaultValueFactory = _ => 224 };
        var command = new Command("bench", "Time batched stepping and rendering of an environment (what MPC evaluation pays per iteration).");
        command.Options.Add(env);
        command.Options.Add(instances);
        command.Options.Add(steps);
        command.Options.Add(size);
        command.SetAction(parseResult =>
        {
            var name = parseResult.GetValue(env)!;
            var n = parseResult.GetValue(instances);
            var t = parseResult.GetValue(steps);
            var px = parseResult.GetValue(size);
            var batch = new WmQuant.Environments.EnvironmentBatch(n, _ => WmQuant.Environments.EnvironmentCatalog.Create(name, imageSize: px));
            var random = new Random(0);
            var actions = new double[n * t * batch.ActionDim];
            for (var i = 0; i < actions.Length; i++)
            {
                actions[i] = (random.NextDouble() - 0.5) * 0.6;
            }

            void ResetAll()
            {
                for (var i = 0; i < n; i++)
                {
                    var inst = batch.Instances[i];
                    inst.SetState(inst.SampleEpisode(i).StartState);
                }
            }

            ResetAll();
            batch.StepSequence(actions, t);
            _ = batch.ObserveAll();
            const int Repeats = 5;
            double stepMs = double.MaxValue, renderMs = double.MaxValue;
            for (var r = 0; r < Repeats; r++)
            {
                ResetAll();
                var watch = Stopwatch.StartNew();
                batch.StepSequence(actions, t);
                stepMs = Math.Min(stepMs, watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                _ = batch.ObserveAll();
                renderMs = Math.Min(renderMs, watch.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {n} instances × {t} steps in {stepMs:F2} ms; {n} frames at {px} px in {renderMs:F2} ms (best of {Repeats}, {Environment.ProcessorCount} cores)"));
            return 0;
        });
        return command;
    }

    private static Command CreateInfo()
    {
        var dir = new Option<string>("--dir") { Description = "Dataset folder.", Required = true };
        var command = new Command("info", "Print a dataset's card.");
        command.Options.Add(dir);
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(dir)!;
            var cardPath = Path.Combine(path, TrajectoryDataset.CardFileName);
            if (!File.Exists(cardPath))
            {
                Console.Error.WriteLine($"{cardPath}: error WMQ2002: no dataset card; generate one with `wmq data generate`.");
                return ExitCodes.InvalidInput;
            }

            Console.WriteLine(File.ReadAllText(cardPath));
            return 0;
        });
        return command;
    }
}
