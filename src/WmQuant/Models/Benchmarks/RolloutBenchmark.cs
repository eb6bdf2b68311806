using System.Diagnostics;
using TorchSharp;
using WmQuant.Models.Diagnostics;
using static TorchSharp.torch;

namespace WmQuant.Models.Benchmarks;

/// <summary>Settings of one rollout benchmark.</summary>
/// <param name="Batch">Rollouts per call (episodes × samples).</param>
/// <param name="Horizon">Actions per rollout (H).</param>
/// <param name="Observed">Observed frames the rollout starts from (n ≤ H).</param>
/// <param name="Repeat">Timed calls.</param>
/// <param name="Warmup">Untimed calls first (kernel selection, allocator).</param>
/// <param name="Seed">Seed of the random observations and actions.</param>
/// <param name="FinalOnly">Time <see cref="DinoWorldModel.PredictFinal"/> (what CEM calls) instead of <see cref="DinoWorldModel.Rollout"/>.</param>
/// <param name="Profile">After the timed calls, run one more under a <see cref="PhaseProfile"/> and report its phases.</param>
public sealed record RolloutBenchmarkSettings(
    int Batch, int Horizon, int Observed = 1, int Repeat = 5, int Warmup = 2, int Seed = 0, bool FinalOnly = false, bool Profile = false);

/// <summary>Timings of one rollout benchmark.</summary>
/// <param name="MillisecondsPerRollout">Mean wall time of one batched rollout call.</param>
/// <param name="MinMilliseconds">Fastest call.</param>
/// <param name="MaxMilliseconds">Slowest call.</param>
/// <param name="FlopsPerCall">Predictor FLOPs of one call (all batch entries) as the full masked pass does them; the incremental path does less, so its TFLOP/s is the upstream-equivalent rate.</param>
/// <param name="EffectiveTflops">FlopsPerCall / mean time, in TFLOP/s.</param>
public sealed record RolloutBenchmarkResult(double MillisecondsPerRollout, double MinMilliseconds, double MaxMilliseconds, double FlopsPerCall, double EffectiveTflops)
{
    /// <summary>The profiled call's phases (own time each), when <see cref="RolloutBenchmarkSettings.Profile"/> asked for them.</summary>
    public IReadOnlyList<PhaseTime>? Phases { get; init; }

    /// <summary>The profiled call's wall time, waits included; the phases' times add up to at most this.</summary>
    public double ProfiledMilliseconds { get; init; }
}

/// <summary>Times <see cref="DinoWorldModel.Rollout"/> (or <see cref="DinoWorldModel.PredictFinal"/>) from pre-encoded observations, as a planner calls it.</summary>
public static class RolloutBenchmark
{
    /// <summary>Runs the benchmark on the model's device and dtype.</summary>
    public static RolloutBenchmarkResult Run(DinoWorldModel model, RolloutBenchmarkSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Batch < 1 || settings.Horizon < 1 || settings.Observed < 1 || settings.Observed > settings.Horizon || settings.Repeat < 1 || settings.Warmup < 0)
        {
            throw new ArgumentException($"invalid benchmark settings {settings}", nameof(settings));
        }

        var config = model.Config;
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)settings.Seed);
        var device = model.Device;
        var start = new LatentObservation(
            randn([settings.Batch, settings.Observed, config.PatchesPerFrame, config.Encoder.Dim], generator: generator).to(model.Dtype, device),
            randn([settings.Batch, settings.Observed, config.ProprioEmbDim], generator: generator).to(model.Dtype, device));
        var actions = randn([settings.Batch, settings.Horizon, config.ActionInputDim], generator: generator).to(device);

        for (var i = 0; i < settings.Warmup; i++)
        {
            using var warm = NewDisposeScope();
            Call(model, start, actions, settings.FinalOnly);
            Synchronize(device);
        }

        var times = new List<double>();
        for (var i = 0; i < settings.Repeat; i++)
        {
            using var timed = NewDisposeScope();
            var watch = Stopwatch.StartNew();
            Call(model, start, actions, settings.FinalOnly);
            Synchronize(device);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var flops = RolloutFlops.Rollout(config, settings.Observed, settings.Horizon) * settings.Batch;
        var mean = times.Average();
        var result = new RolloutBenchmarkResult(mean, times.Min(), times.Max(), flops, flops / (mean / 1e3) / 1e12);
        if (!settings.Profile)
        {
            return result;
        }

        using var profiled = NewDisposeScope();
        using var profile = PhaseProfile.Start(device);
        var clock = Stopwatch.StartNew();
        Call(model, start, actions, settings.FinalOnly);
        Synchronize(device);
        return result with { Phases = profile.Phases, ProfiledMilliseconds = clock.Elapsed.TotalMilliseconds };
    }

    private static LatentObservation Call(DinoWorldModel model, LatentObservation start, Tensor actions, bool finalOnly) =>
        finalOnly ? model.PredictFinal(start, actions) : model.Rollout(start, actions);

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }
}
