using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Models.Benchmarks;
using WmQuant.Models.Diagnostics;
using WmQuant.Naming;
using WmQuant.Runtime;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq bench rollout`: the options of <see cref="RolloutBench"/> (forward throughput as planners use the model) and its report.</summary>
internal static class BenchCommand
{
    /// <summary>The command line of a rollout benchmark, read once.</summary>
    private sealed record Options(RolloutBenchRequest Request, bool Json, TorchRuntimeOptions Runtime);

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
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Optional safetensors weights; random weights otherwise (timing does not depend on values).",
        };
        var dtype = new Option<string>("--dtype")
        {
            Description = "fp32 | bf16 | tf32 (fp32 weights with TF32 matmuls on CUDA).",
            DefaultValueFactory = _ => "fp32",
        };
        dtype.AcceptOnlyFromAmong([.. Names.All<BenchPrecision>()]);
        var batch = new Option<int>("--batch") { Description = "Rollouts per call (episodes × samples).", DefaultValueFactory = _ => 300 };
        var horizon = new Option<int>("--horizon") { Description = "Actions per rollout.", DefaultValueFactory = _ => 5 };
        var observed = new Option<int>("--observed") { Description = "Observed frames each rollout starts from.", DefaultValueFactory = _ => 1 };
        var repeat = new Option<int>("--repeat") { Description = "Timed calls.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed calls before timing.", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var compare = new Option<int>("--compare-cpu")
        {
            Description = "Also roll out this many batch entries with an fp32 CPU copy of the model and report the difference (0: skip).",
            DefaultValueFactory = _ => 0,
        };
        var profile = new Option<bool>("--profile")
        {
            Description = "After timing, run one more call that waits for the device around each phase and print each phase's share of it.",
        };
        var finalOnly = new Option<bool>("--final-only")
        {
            Description = "Time PredictFinal (only the last frame returned, as CEM calls it) instead of the full rollout.",
        };
        var paths = new PredictorPathOptionSet();

        var command = new Command("rollout",
            "Time batched latent rollouts (encode once, predict over the horizon) and report ms per rollout and effective TFLOP/s.");
        runtime.AddTo(command);
        paths.AddTo(command);
        foreach (var option in new Option[] { config, checkpoint, dtype, batch, horizon, observed, repeat, warmup, json, compare, finalOnly, profile })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var precision = Names.Parse<BenchPrecision>(parse.GetValue(dtype))!.Value;
            var settings = new RolloutBenchmarkSettings(
                parse.GetValue(batch), parse.GetValue(horizon), parse.GetValue(observed), parse.GetValue(repeat), parse.GetValue(warmup),
                FinalOnly: parse.GetValue(finalOnly), Profile: parse.GetValue(profile));
            var request = new RolloutBenchRequest(
                parse.GetValue(config)!, parse.GetValue(checkpoint), precision, settings, parse.GetValue(compare), paths.Read(parse));
            return Handle(parse, new Options(request, parse.GetValue(json), precision.Runtime(runtime.Read(parse))));
        });
        return command;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var (bench, problems) = RolloutBench.Prepare(options.Request);
        if (bench is null)
        {
            return parse.ExitWith(problems);
        }

        if (RuntimeOptionSet.Start(parse, options.Runtime) is not { } info)
        {
            return ExitCodes.EnvironmentFailure;
        }

        RolloutBenchOutcome outcome;
        try
        {
            outcome = bench.Run(info.Device);
        }
        catch (Exception e) when (options.Request.Paths.FusedAttentionRefusal(e) is { } refusal)
        {
            return parse.ExitWith([refusal]);
        }

        if (outcome.Timing is not { } timing)
        {
            return parse.ExitWith(outcome.Problems);
        }

        Print(parse.Out(), bench, info, timing, outcome.Agreement, options.Json);
        return ExitCodes.Passed;
    }

    private static void Print(
        TextWriter output, RolloutBench bench, TorchRuntimeInfo info, RolloutBenchmarkResult r, RolloutAgreementResult? a, bool asJson)
    {
        var inv = CultureInfo.InvariantCulture;
        var config = bench.Config;
        var s = bench.Request.Settings;
        var paths = bench.Request.Paths;
        string dtype = Names.Of(bench.Request.Precision);
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
                ["predictor"] = paths.Incremental ? "incremental" : "full",
                ["tensor_core_padding"] = paths.TensorCorePadding,
                ["math_attention"] = paths.MathAttention,
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

            if (r.Phases is { } profiled)
            {
                map["profiled_ms"] = r.ProfiledMilliseconds;
                map["phases"] = profiled.Select(p => new Dictionary<string, object> { ["phase"] = p.Phase, ["calls"] = p.Calls, ["ms"] = p.Milliseconds })
                    .ToList();
            }

            output.WriteLine(JsonSerializer.Serialize(map));
            return;
        }

        string call = s.FinalOnly ? "PredictFinal (last frame only, as CEM)" : "Rollout (every frame)";
        output.WriteLine($"model            {config.Name} ({config.PatchesPerFrame} tokens/frame, token dim {config.TokenDim}, " +
            $"num_hist {config.NumHist})");
        output.WriteLine($"device           {info.Device} ({info.Reason}), dtype {bench.Request.Precision.Describe(info.Device.type)}, " +
            $"threads {info.Threads}");
        output.WriteLine($"rollout          batch {s.Batch} × horizon {s.Horizon} from {s.Observed} observed frame(s), " +
            $"{s.Repeat} timed after {s.Warmup} warm-up");
        output.WriteLine($"call             {call}, predictor {PredictorPathOptionSet.Describe(paths)}");
        output.WriteLine(string.Create(inv,
            $"ms per rollout   {r.MillisecondsPerRollout:F2} (min {r.MinMilliseconds:F2}, max {r.MaxMilliseconds:F2})"));
        output.WriteLine(string.Create(inv,
            $"work             {r.FlopsPerCall / 1e9:F1} GFLOP per rollout call " +
            $"(predictor, dense attention, full pass; the incremental path does less)"));
        output.WriteLine(string.Create(inv, $"effective        {r.EffectiveTflops:F3} TFLOP/s"));
        if (a is not null)
        {
            output.WriteLine(string.Create(inv,
                $"vs fp32 on cpu   max abs error {a.MaxAbsoluteError:E2}, final-frame relative error {a.RelativeError:E2}"));
        }

        if (r.Phases is { } phases)
        {
            PrintPhases(output, phases, r.ProfiledMilliseconds);
        }
    }

    private static void PrintPhases(TextWriter output, IReadOnlyList<PhaseTime> phases, double total)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"profile          one more call, {total:F2} ms with a device wait around every phase (own time, share):"));
        foreach (var phase in phases.OrderByDescending(p => p.Milliseconds))
        {
            output.WriteLine(string.Create(inv,
                $"  {phase.Phase,-24} {phase.Milliseconds,10:F2} ms {100 * phase.Milliseconds / total,6:F1}%  ({phase.Calls} calls)"));
        }

        double rest = total - phases.Sum(p => p.Milliseconds);
        output.WriteLine(string.Create(inv, $"  {"(outside the phases)",-24} {rest,10:F2} ms {100 * rest / total,6:F1}%"));
    }
}
