using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using static TorchSharp.torch;

namespace WmQuant.Models.Benchmarks;

/// <summary>What <c>wmq bench rollout</c> asks for.</summary>
/// <param name="ConfigPath">Model config YAML.</param>
/// <param name="CheckpointPath">Weights to load (the decoder may be absent), or null for random weights: timing does not depend on values.</param>
/// <param name="Precision">The number format timed.</param>
/// <param name="Settings">Batch, horizon, observed frames, repeats and the call timed.</param>
/// <param name="CompareBatch">Also roll out this many batch entries with an fp32 CPU copy and report the difference (0: skip).</param>
/// <param name="Paths">The inference paths timed.</param>
public sealed record RolloutBenchRequest(
    string ConfigPath, string? CheckpointPath, BenchPrecision Precision, RolloutBenchmarkSettings Settings, int CompareBatch, InferencePaths Paths);

/// <summary>A rollout benchmark's timings, and its agreement with an fp32 CPU copy when asked; or the problems that stopped it.</summary>
/// <param name="Timing">The timings, when it ran.</param>
/// <param name="Agreement">The difference to the fp32 CPU copy, when asked.</param>
/// <param name="Problems">Why it did not run (a checkpoint that does not fit the config).</param>
public sealed record RolloutBenchOutcome(RolloutBenchmarkResult? Timing, RolloutAgreementResult? Agreement, IReadOnlyList<Diagnostic> Problems);

/// <summary>
/// The use-case behind <c>wmq bench rollout</c>. <see cref="Prepare"/> reads the config and checks the shape before
/// any tensor exists; <see cref="Run"/> builds the model on a device (random or loaded weights), times batched latent
/// rollouts as planners call them and, on request, compares them with an fp32 CPU copy.
/// </summary>
public sealed class RolloutBench
{
    private RolloutBench(RolloutBenchRequest request, WorldModelConfig config)
    {
        Request = request;
        Config = config;
    }

    /// <summary>The request.</summary>
    public RolloutBenchRequest Request { get; }

    /// <summary>The parsed model config.</summary>
    public WorldModelConfig Config { get; }

    /// <summary>Reads the config (WMQ2002) and checks the benchmark's shape (WMQ2004).</summary>
    public static (RolloutBench? Bench, IReadOnlyList<Diagnostic> Problems) Prepare(RolloutBenchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var parsed = WorldModelConfigYaml.Load(request.ConfigPath);
        if (!parsed.Ok)
        {
            return (null, [.. parsed.Problems.Select(p => Diagnostic.Error(DiagnosticCodes.InputUnusable, p))]);
        }

        var s = request.Settings;
        if (s.Batch < 1 || s.Horizon < 1 || s.Observed < 1 || s.Observed > s.Horizon || s.Repeat < 1 || s.Warmup < 0)
        {
            const string shape = "need batch, horizon, repeat ≥ 1, warmup ≥ 0 and 1 ≤ observed ≤ horizon";
            return (null, [Diagnostic.Error(DiagnosticCodes.BenchShape, shape)]);
        }

        return (new RolloutBench(request, parsed.Config!), []);
    }

    /// <summary>Runs the benchmark on <paramref name="device"/>; a checkpoint that does not fit the config is WMQ2005.</summary>
    public RolloutBenchOutcome Run(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        string? checkpoint = Request.CheckpointPath;
        using var model = checkpoint is null ? new DinoWorldModel(Config, seed: 0) : DinoWorldModel.CreateForLoading(Config);
        if (checkpoint is not null)
        {
            var problems = WorldModelCheckpoint.Load(model, checkpoint, new HashSet<ModuleGroup> { ModuleGroup.Decoder });
            if (problems.Count > 0)
            {
                return new RolloutBenchOutcome(null, null, [.. problems.Select(p => Diagnostic.Error(DiagnosticCodes.BenchCheckpoint, p))]);
            }
        }

        model.MoveTo(device, Request.Precision.WeightType());
        Request.Paths.Apply(model);
        var timing = RolloutBenchmark.Run(model, Request.Settings);
        RolloutAgreementResult? agreement = null;
        if (Request.CompareBatch > 0)
        {
            using var reference = DinoWorldModel.CreateForLoading(Config);
            using (NewDisposeScope())
            {
                var cpuCopy = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float32, CPU));
                WorldModelCheckpoint.Apply(reference, cpuCopy);
            }

            agreement = RolloutAgreement.Compare(reference, model, Request.CompareBatch, Request.Settings.Horizon, Request.Settings.Observed);
        }

        return new RolloutBenchOutcome(timing, agreement, []);
    }
}
