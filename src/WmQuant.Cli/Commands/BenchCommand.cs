using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.Models;
using WmQuant.Models.Benchmarks;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq bench rollout`: forward throughput of the world model as planners use it.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure model throughput.");
        bench.Subcommands.Add(CreateRollout());
        bench.Subcommands.Add(BenchPlanCommand.Create());
        return bench;
    }

    private static Command CreateRollout()
    {
        var runtime = new RuntimeOptionSet();
        var config = new Option<string>("--config") { Description = "Model config YAML (e.g. models/configs/dinov2-vits14.yaml).", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Optional safetensors weights; random weights otherwise (timing does not depend on values)." };
        var dtype = new Option<string>("--dtype") { Description = "fp32 | bf16 | tf32 (fp32 weights with TF32 matmuls on CUDA).", DefaultValueFactory = _ => "fp32" };
        var batch = new Option<int>("--batch") { Description = "Rollouts per call (episodes × samples).", DefaultValueFactory = _ => 300 };
        var horizon = new Option<int>("--horizon") { Description = "Actions per rollout.", DefaultValueFactory = _ => 5 };
        var observed = new Option<int>("--observed") { Description = "Observed frames each rollout starts from.", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Timed calls.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed calls before timing.", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var compare = new Option<int>("--compare-cpu") { Description = "Also roll out this many batch entries with an fp32 CPU copy of the model and report the difference (0: skip).", DefaultValueFactory = _ => 0 };

        var finalOnly = new Option<bool>("--final-only") { Description = "Time PredictFinal (only the last frame returned, as CEM calls it) instead of the full rollout." };
        var paths = new PredictorPathOptionSet();

        var command = new Command("rollout", "Time batched latent rollouts (encode once, predict over the horizon) and report ms per rollout and effective TFLOP/s.");
        runtime.AddTo(command);
        paths.AddTo(command);
        foreach (var option in new Option[] { config, checkpoint, dtype, batch, horizon, observed, repeat, warmup, json, compare, finalOnly })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var dtypeName = parse.GetValue(dtype) ?? "fp32";
            if (dtypeName is not ("fp32" or "bf16" or "tf32"))
            {
                System.Console.Error.WriteLine($"error WMQ2001: --dtype must be fp32, bf16 or tf32 (got '{dtypeName}')");
                return ExitCodes.InvalidInput;
            }

            var parsed = WorldModelConfigYaml.Load(parse.GetValue(config)!);
            if (!parsed.Ok)
            {
                foreach (var problem in parsed.Problems)
                {
                    System.Console.Error.WriteLine($"error WMQ2002: {problem}");
                }

                return ExitCodes.InvalidInput;
            }

            TorchRuntimeInfo info;
            try
            {
                info = TorchRuntime.Initialize(runtime.Read(parse) with { AllowTf32 = dtypeName == "tf32", Deterministic = false });
            }
            catch (TorchRuntimeException e)
            {
                System.Console.Error.WriteLine($"error WMQ2003: {e.Message}");
                return ExitCodes.InvalidInput;
            }

            var settings = new RolloutBenchmarkSettings(parse.GetValue(batch), parse.GetValue(horizon), parse.GetValue(observed), parse.GetValue(repeat), parse.GetValue(warmup), FinalOnly: parse.GetValue(finalOnly));
            if (settings.Batch < 1 || settings.Horizon < 1 || settings.Observed < 1 || settings.Observed > settings.Horizon || settings.Repeat < 1 || settings.Warmup < 0)
            {
                System.Console.Error.WriteLine("error WMQ2004: need batch, horizon, repeat ≥ 1, warmup ≥ 0 and 1 ≤ observed ≤ horizon");
                return ExitCodes.InvalidInput;
            }

            var checkpointPath = parse.GetValue(checkpoint);
            using var model = checkpointPath is null ? new DinoWorldModel(parsed.Config!, seed: 0) : DinoWorldModel.CreateForLoading(parsed.Config!);
            if (checkpointPath is not null)
            {
                var problems = WorldModelCheckpoint.Load(model, checkpointPath, new HashSet<ModuleGroup> { ModuleGroup.Decoder });
                if (problems.Count > 0)
                {
                    foreach (var problem in problems)
                    {
                        System.Console.Error.WriteLine($"error WMQ2005: {problem}");
                    }

                    return ExitCodes.InvalidInput;
                }
            }

            model.MoveTo(info.Device, dtypeName == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32);
            paths.Apply(parse, model);
            var result = RolloutBenchmark.Run(model, settings);
            RolloutAgreementResult? agreement = null;
            var compareBatch = parse.GetValue(compare);
            if (compareBatch > 0)
            {
                using var reference = DinoWorldModel.CreateForLoading(parsed.Config!);
                using (NewDisposeScope())
                {
                    var cpuCopy = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32, CPU));
                    WorldModelCheckpoint.Apply(reference, cpuCopy);
                }

                agreement = RolloutAgreement.Compare(reference, model, compareBatch, settings.Horizon, settings.Observed);
            }

            Print(parsed.Config!, info, dtypeName, settings, paths, parse, result, agreement, parse.GetValue(json));
            return ExitCodes.Passed;
        });
        return command;
    }

    private static void Print(WorldModelConfig config, TorchRuntimeInfo info, string dtype, RolloutBenchmarkSettings s, PredictorPathOptionSet paths, ParseResult parse, RolloutBenchmarkResult r, RolloutAgreementResult? a, bool asJson)
    {
        var inv = CultureInfo.InvariantCulture;
        if (asJson)
        {
            var map = new Dictionary<string, object>
            {
                ["config"] = config.Name,
                ["device"] = info.Device.ToString(),
                ["dtype"] = dtype,
                ["batch"] = s.Batch,
                ["horizon"] = s.Horizon,
                ["observed"] = s.Observed,
                ["repeat"] = s.Repeat,
                ["call"] = s.FinalOnly ? "predict_final" : "rollout",
                ["predictor"] = paths.Incremental(parse) ? "incremental" : "full",
                ["tensor_core_padding"] = paths.Padding(parse),
                ["ms_per_rollout"] = r.MillisecondsPerRollout,
                ["ms_min"] = r.MinMilliseconds,
                ["ms_max"] = r.MaxMilliseconds,
                ["gflop_per_rollout"] = r.FlopsPerCall / 1e9,
                ["effective_tflops"] = r.EffectiveTflops,
            };
            if (a is not null)
            {
                map["cpu_fp32_max_abs_error"] = a.MaxAbsoluteError;
                map["cpu_fp32_final_relative_error"] = a.RelativeError;
            }

            System.Console.WriteLine(JsonSerializer.Serialize(map));
            return;
        }

        System.Console.WriteLine($"model            {config.Name} ({config.PatchesPerFrame} tokens/frame, token dim {config.TokenDim}, num_hist {config.NumHist})");
        System.Console.WriteLine($"device           {info.Device} ({info.Reason}), dtype {dtype}, threads {info.Threads}");
        System.Console.WriteLine($"rollout          batch {s.Batch} × horizon {s.Horizon} from {s.Observed} observed frame(s), {s.Repeat} timed after {s.Warmup} warm-up");
        System.Console.WriteLine($"call             {(s.FinalOnly ? "PredictFinal (last frame only, as CEM)" : "Rollout (every frame)")}, predictor {paths.Describe(parse)}");
        System.Console.WriteLine(string.Format(inv, "ms per rollout   {0:F2} (min {1:F2}, max {2:F2})", r.MillisecondsPerRollout, r.MinMilliseconds, r.MaxMilliseconds));
        System.Console.WriteLine(string.Format(inv, "work             {0:F1} GFLOP per rollout call (predictor, dense attention, full pass; the incremental path does less)", r.FlopsPerCall / 1e9));
        System.Console.WriteLine(string.Format(inv, "effective        {0:F3} TFLOP/s", r.EffectiveTflops));
        if (a is not null)
        {
            System.Console.WriteLine(string.Format(inv, "vs fp32 on cpu   max abs error {0:E2}, final-frame relative error {1:E2}", a.MaxAbsoluteError, a.RelativeError));
        }
    }
}
