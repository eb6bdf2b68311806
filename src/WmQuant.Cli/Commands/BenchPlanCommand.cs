using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.Models;
using WmQuant.Models.Config;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Optimizers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq bench plan`: times MPC-CEM planning of many episodes at once, the figure that compares
/// with upstream's one-episode-at-a-time planner (build/measurements, PERFORMANCE.md).
/// </summary>
internal static class BenchPlanCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var config = new Option<string>("--config") { Description = "Model config YAML (random weights: timing does not depend on values).", Required = true };
        var env = new Option<string>("--env") { Description = "wall | pusht", DefaultValueFactory = _ => "pusht" };
        var episodes = new Option<int>("--episodes") { Description = "Episodes planned together.", DefaultValueFactory = _ => 50 };
        var samples = new Option<int>("--samples") { Description = "CEM samples per episode.", DefaultValueFactory = _ => 300 };
        var topK = new Option<int>("--top-k") { Description = "CEM elites.", DefaultValueFactory = _ => 30 };
        var optSteps = new Option<int>("--opt-steps") { Description = "CEM steps per plan.", DefaultValueFactory = _ => 30 };
        var horizon = new Option<int>("--horizon") { Description = "Model actions per plan.", DefaultValueFactory = _ => 5 };
        var iterations = new Option<int>("--iterations") { Description = "MPC iterations (each: plan, execute, observe).", DefaultValueFactory = _ => 1 };
        var dtype = new Option<string>("--dtype") { Description = "fp32 | tf32 | bf16", DefaultValueFactory = _ => "fp32" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Largest rollout batch per model call (0: all episodes × samples at once).", DefaultValueFactory = _ => 0 };
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
            string dtypeName = parse.GetValue(dtype)!;
            var parsed = WorldModelConfigYaml.Load(parse.GetValue(config)!);
            if (!parsed.Ok || dtypeName is not ("fp32" or "tf32" or "bf16"))
            {
                foreach (var problem in parsed.Problems)
                {
                    Console.Error.WriteLine($"error WMQ2002: {problem}");
                }

                if (dtypeName is not ("fp32" or "tf32" or "bf16"))
                {
                    Console.Error.WriteLine($"error WMQ2001: --dtype must be fp32, tf32 or bf16 (got '{dtypeName}')");
                }

                return ExitCodes.InvalidInput;
            }

            var cem = new CemSettings(parse.GetValue(horizon), parse.GetValue(samples), parse.GetValue(topK), parse.GetValue(optSteps), 1.0, parse.GetValue(maxBatch));
            if (OptionErrors.Report(Console.Error, cem.Problems(), "--horizon, --samples, --top-k, --opt-steps, --max-batch"))
            {
                return ExitCodes.InvalidInput;
            }

            var modelConfig = parsed.Config!;
            var info = TorchRuntime.Initialize(runtime.Read(parse) with { AllowTf32 = dtypeName == "tf32", Deterministic = false });
            using var model = new DinoWorldModel(modelConfig, seed: 0);
            model.MoveTo(info.Device, dtypeName == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32);
            paths.Apply(parse, model);
            var adapter = new DinoWorldModelPlanningAdapter(model);
            string envName = parse.GetValue(env)!;
            var batch = EnvironmentEpisodeBatch.ForModel(envName, modelConfig);
            var actionDim = modelConfig.ActionDim;
            var settings = new EvaluationSettings(
                new MpcSettings(new float[actionDim], [.. Enumerable.Repeat(1f, actionDim)], parse.GetValue(iterations)),
                PlannerKind.MpcCem,
                parse.GetValue(episodes),
                Cem: cem);
            var runner = new EvaluationRunner(adapter, settings);

            // One short warm-up episode pays CUDA/cuBLAS initialisation outside the timing.
            new EvaluationRunner(adapter, settings with { Episodes = 1, Cem = cem with { OptSteps = 1 } }).Run(batch);
            Synchronize(info.Device);
            var watch = Stopwatch.StartNew();
            var result = runner.Run(batch);
            Synchronize(info.Device);
            double seconds = watch.Elapsed.TotalSeconds;
            int n = parse.GetValue(episodes);
            int iters = parse.GetValue(iterations);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"config        {modelConfig.Name} ({modelConfig.PatchesPerFrame} tokens/frame, num_hist {modelConfig.NumHist})");
            Console.WriteLine($"device        {info.Device} {dtypeName}");
            Console.WriteLine($"predictor     {paths.Describe(parse)}");
            Console.WriteLine($"planner       MPC-CEM horizon {cem.Horizon}, samples {cem.Samples}, top-k {cem.TopK}, opt steps {cem.OptSteps}, max batch {(cem.MaxModelBatch == 0 ? "all" : cem.MaxModelBatch.ToString(inv))}");
            Console.WriteLine($"episodes      {n} on {envName}, {iters} MPC iteration(s)");
            Console.WriteLine($"total         {seconds.ToString("F2", inv)} s");
            Console.WriteLine($"per episode   {(seconds / n / iters).ToString("F3", inv)} s per MPC iteration (planning + execution + encoding)");
            Console.WriteLine($"final loss    {result.MeanPlanLossPerIteration.LastOrDefault().ToString("G4", inv)} (random weights: a sanity figure only)");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            TorchSharp.torch.cuda.synchronize(device);
        }
    }
}
