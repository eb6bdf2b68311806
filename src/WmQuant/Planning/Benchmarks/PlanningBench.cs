using System.Diagnostics;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Environments;
using WmQuant.Models;
using WmQuant.Models.Benchmarks;
using WmQuant.Models.Config;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Optimizers;
using static TorchSharp.torch;

namespace WmQuant.Planning.Benchmarks;

/// <summary>What <c>wmq bench plan</c> asks for.</summary>
/// <param name="ConfigPath">Model config YAML (random weights: timing does not depend on values).</param>
/// <param name="Environment">A registered environment.</param>
/// <param name="Episodes">Episodes planned together.</param>
/// <param name="Cem">CEM settings (the model batch bound included).</param>
/// <param name="Iterations">MPC iterations (each: plan, execute, observe).</param>
/// <param name="Precision">The number format timed.</param>
/// <param name="Paths">The inference paths timed.</param>
public sealed record PlanningBenchRequest(
    string ConfigPath, string Environment, int Episodes, CemSettings Cem, int Iterations, BenchPrecision Precision, InferencePaths Paths);

/// <summary>A planning benchmark's timing.</summary>
/// <param name="Seconds">Wall time of the timed run (planning, execution and encoding of every episode and iteration).</param>
/// <param name="SecondsPerEpisodeIteration">The same per episode and MPC iteration.</param>
/// <param name="FinalLoss">Mean plan loss of the last MPC iteration (random weights: a sanity figure only).</param>
public sealed record PlanningBenchResult(double Seconds, double SecondsPerEpisodeIteration, double FinalLoss);

/// <summary>
/// The use-case behind <c>wmq bench plan</c>: MPC-CEM planning of many episodes at once on a model with random weights,
/// timed after a one-episode warm-up — the figure that compares with upstream's one-episode-at-a-time planner.
/// </summary>
public sealed class PlanningBench
{
    private PlanningBench(PlanningBenchRequest request, WorldModelConfig config)
    {
        Request = request;
        Config = config;
    }

    /// <summary>The request.</summary>
    public PlanningBenchRequest Request { get; }

    /// <summary>The parsed model config.</summary>
    public WorldModelConfig Config { get; }

    /// <summary>
    /// Reads the config (WMQ2002) and checks the environment name (WMQ2001). The planner's numbers are the front end's to
    /// check, where it can name its options (<see cref="CemSettings.Problems"/>); <see cref="Run"/> refuses bad ones.
    /// </summary>
    public static (PlanningBench? Bench, IReadOnlyList<Diagnostic> Problems) Prepare(PlanningBenchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<Diagnostic>();
        var parsed = WorldModelConfigYaml.Load(request.ConfigPath);
        problems.AddRange(parsed.Problems.Select(p => Diagnostic.Error(DiagnosticCodes.InputUnusable, p)));
        if (EnvironmentCatalog.Find(request.Environment) is null)
        {
            problems.Add(Diagnostic.Error(DiagnosticCodes.OptionValue,
                $"environment '{request.Environment}' is not one of {string.Join(", ", EnvironmentCatalog.Names)}"));
        }

        return problems.Count > 0 ? (null, problems) : (new PlanningBench(request, parsed.Config!), []);
    }

    /// <summary>Plans the episodes on <paramref name="device"/> and times it.</summary>
    public PlanningBenchResult Run(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(Request.Episodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Request.Iterations, 1);
        Request.Cem.Validate();
        using var model = new DinoWorldModel(Config, seed: 0);
        model.MoveTo(device, Request.Precision.WeightType());
        Request.Paths.Apply(model);
        var adapter = new DinoWorldModelPlanningAdapter(model);
        var batch = EnvironmentEpisodeBatch.ForModel(Request.Environment, Config);
        var actionDim = Config.ActionDim;
        var settings = new EvaluationSettings(
            new MpcSettings(new float[actionDim], [.. Enumerable.Repeat(1f, actionDim)], Request.Iterations),
            PlannerKind.MpcCem,
            Request.Episodes,
            Cem: Request.Cem);

        // One short warm-up episode pays CUDA/cuBLAS initialisation outside the timing.
        new EvaluationRunner(adapter, settings with { Episodes = 1, Cem = Request.Cem with { OptSteps = 1 } }).Run(batch);
        Synchronize(device);
        var watch = Stopwatch.StartNew();
        var result = new EvaluationRunner(adapter, settings).Run(batch);
        Synchronize(device);
        double seconds = watch.Elapsed.TotalSeconds;
        return new PlanningBenchResult(seconds, seconds / Request.Episodes / Request.Iterations, result.MeanPlanLossPerIteration.LastOrDefault());
    }

    private static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }
}
