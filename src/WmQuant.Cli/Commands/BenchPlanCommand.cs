using System.CommandLine;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Environments;
using WmQuant.Models.Benchmarks;
using WmQuant.Naming;
using WmQuant.Planning.Benchmarks;
using WmQuant.Planning.Optimizers;
using WmQuant.Runtime;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq bench plan`: the options of <see cref="PlanningBench"/> (batched MPC-CEM planning of many episodes, the figure
/// that compares with upstream's one-episode-at-a-time planner; build/measurements, PERFORMANCE.md) and its report.
/// </summary>
internal static class BenchPlanCommand
{
    /// <summary>The command line of a planning benchmark, read once.</summary>
    private sealed record Options(PlanningBenchRequest Request, TorchRuntimeOptions Runtime);

    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var config = new Option<string>("--config")
        {
            Description = "Model config YAML (random weights: timing does not depend on values).",
            Required = true,
        };
        var env = new Option<string>("--env") { Description = string.Join(" | ", EnvironmentCatalog.Names), DefaultValueFactory = _ => "pusht" };
        env.AcceptOnlyFromAmong([.. EnvironmentCatalog.Names]);
        var episodes = new Option<int>("--episodes") { Description = "Episodes planned together.", DefaultValueFactory = _ => 50 };
        var samples = new Option<int>("--samples") { Description = "CEM samples per episode.", DefaultValueFactory = _ => 300 };
        var topK = new Option<int>("--top-k") { Description = "CEM elites.", DefaultValueFactory = _ => 30 };
        var optSteps = new Option<int>("--opt-steps") { Description = "CEM steps per plan.", DefaultValueFactory = _ => 30 };
        var horizon = new Option<int>("--horizon") { Description = "Model actions per plan.", DefaultValueFactory = _ => 5 };
        var iterations = new Option<int>("--iterations")
        {
            Description = "MPC iterations (each: plan, execute, observe).",
            DefaultValueFactory = _ => 1,
        };
        var dtype = new Option<string>("--dtype")
        {
            Description = string.Join(" | ", Names.All<BenchPrecision>()),
            DefaultValueFactory = _ => "fp32",
        };
        dtype.AcceptOnlyFromAmong([.. Names.All<BenchPrecision>()]);
        var maxBatch = new Option<int>("--max-batch")
        {
            Description = "Largest rollout batch per model call (0: automatic, all episodes × samples at once when they fit in half the memory).",
            DefaultValueFactory = _ => 0,
        };
        var paths = new PredictorPathOptionSet();
        var command = new Command("plan", "Time batched MPC-CEM planning of N episodes on a model (random weights) and an environment.");
        runtime.AddTo(command);
        paths.AddTo(command);
        foreach (var option in new Option[] { config, env, episodes, samples, topK, optSteps, horizon, iterations, dtype, maxBatch })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var precision = Names.Parse<BenchPrecision>(parse.GetValue(dtype))!.Value;
            var cem = new CemSettings(
                parse.GetValue(horizon), parse.GetValue(samples), parse.GetValue(topK), parse.GetValue(optSteps), 1.0, parse.GetValue(maxBatch));
            var request = new PlanningBenchRequest(
                parse.GetValue(config)!, parse.GetValue(env)!, parse.GetValue(episodes), cem, parse.GetValue(iterations), precision,
                paths.Read(parse));
            return Handle(parse, new Options(request, precision.Runtime(runtime.Read(parse))));
        });
        return command;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var request = options.Request;
        var inv = CultureInfo.InvariantCulture;
        var counts = request.Episodes < 1 || request.Iterations < 1
            ? new[] { string.Create(inv, $"--episodes and --iterations must be at least 1 (got {request.Episodes} and {request.Iterations})") }
            : [];
        bool reported = OptionErrors.Report(parse.Error(), counts);
        reported |= OptionErrors.Report(parse.Error(), request.Cem.Problems(), "--horizon, --samples, --top-k, --opt-steps, --max-batch");
        if (reported)
        {
            return ExitCodes.InvalidInput;
        }

        var (bench, problems) = PlanningBench.Prepare(request);
        if (bench is null)
        {
            return parse.ExitWith(problems);
        }

        if (RuntimeOptionSet.Start(parse, options.Runtime) is not { } info)
        {
            return ExitCodes.EnvironmentFailure;
        }

        PlanningBenchResult result;
        try
        {
            result = bench.Run(info.Device);
        }
        catch (Exception e) when (request.Paths.FusedAttentionRefusal(e) is { } refusal)
        {
            return parse.ExitWith([refusal]);
        }

        var cem = request.Cem;
        var output = parse.Out();
        output.WriteLine($"config        {bench.Config.Name} ({bench.Config.PatchesPerFrame} tokens/frame, num_hist {bench.Config.NumHist})");
        output.WriteLine($"device        {info.Device} {request.Precision.Describe(info.Device.type)}");
        output.WriteLine($"predictor     {PredictorPathOptionSet.Describe(request.Paths)}");
        string maxBatch = cem.MaxModelBatch == 0 ? "auto" : cem.MaxModelBatch.ToString(inv);
        output.WriteLine($"planner       MPC-CEM horizon {cem.Horizon}, samples {cem.Samples}, top-k {cem.TopK}, opt steps {cem.OptSteps}, " +
            $"max batch {maxBatch}");
        output.WriteLine($"episodes      {request.Episodes} on {request.Environment}, {request.Iterations} MPC iteration(s)");
        output.WriteLine($"total         {result.Seconds.ToString("F2", inv)} s");
        output.WriteLine(string.Create(inv,
            $"per episode   {result.SecondsPerEpisodeIteration:F3} s per MPC iteration (planning + execution + encoding)"));
        output.WriteLine($"final loss    {result.FinalLoss.ToString("G4", inv)} (random weights: a sanity figure only)");
        return ExitCodes.Passed;
    }
}
