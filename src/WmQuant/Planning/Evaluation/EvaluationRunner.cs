using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Planning.Statistics;

namespace WmQuant.Planning.Evaluation;

/// <summary>
/// Runs the study's evaluation: N episodes on fixed seeds, planned with the chosen planner, and
/// summarised as success rate (with a Wilson interval), distances and planning diagnostics.
/// </summary>
/// <remarks>
/// Calibration for quantization runs the same code: set <see cref="EvaluationSettings.SeedSet"/> to
/// <see cref="EpisodeSeedSet.Calibration"/>, cap <see cref="MpcSettings.MaxIterations"/> at the
/// number of iterations to record, and either let the model's layers record their inputs while it
/// runs, or wrap the model in <see cref="ObservedWorldModel"/> to be called before every encode and
/// prediction (e.g. to switch recording on only for predictor calls).
/// </remarks>
public sealed class EvaluationRunner
{
    private readonly ILatentWorldModel _model;
    private readonly EvaluationSettings _settings;
    private readonly ILogger _logger;

    /// <summary>Creates a runner for <paramref name="model"/>.</summary>
    public EvaluationRunner(ILatentWorldModel model, EvaluationSettings settings, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Episodes < 1 || settings.FirstEpisode < 0)
        {
            throw new ArgumentException("Need at least one episode and a non-negative first episode.", nameof(settings));
        }

        _model = model;
        _settings = settings;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Builds the planner a <see cref="PlannerKind"/> names, with the settings' optimiser settings.</summary>
    public static IActionPlanner CreatePlanner(ILatentWorldModel model, PlannerKind kind, LastFrameObjective objective, CemSettings? cem, GradientSettings? gradient) => kind switch
    {
        PlannerKind.MpcCem or PlannerKind.OpenLoopCem => new CemPlanner(model, objective, cem ?? new CemSettings()),
        PlannerKind.MpcGradient or PlannerKind.OpenLoopGradient => new GradientPlanner(model, objective, gradient ?? new GradientSettings()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Whether <paramref name="kind"/> plans once instead of re-planning.</summary>
    public static bool IsOpenLoop(PlannerKind kind) => kind is PlannerKind.OpenLoopCem or PlannerKind.OpenLoopGradient;

    /// <summary>Runs all episodes on <paramref name="environments"/> (which must hold exactly <see cref="EvaluationSettings.Episodes"/> instances).</summary>
    public EvaluationResult Run(IEpisodeBatch environments, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environments);
        var clock = Stopwatch.StartNew();
        var objective = new LastFrameObjective(_settings.Objective ?? new ObjectiveSettings());
        var planner = CreatePlanner(_model, _settings.Planner, objective, _settings.Cem, _settings.Gradient);
        var mpcSettings = IsOpenLoop(_settings.Planner) ? _settings.Mpc with { MaxIterations = 1 } : _settings.Mpc;
        var controller = new MpcController(_model, planner, objective, mpcSettings, _logger);
        var seeds = EpisodeSeeds.Range(_settings.EffectiveSeedOffset, _settings.Episodes, _settings.FirstEpisode);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation(
                "Evaluating {Planner} on {Episodes} {SeedSet} episodes (up to {Iterations} iterations)",
                _settings.Planner, seeds.Count, _settings.SeedSet, mpcSettings.MaxIterations);
        }

        var outcomes = controller.Run(environments, seeds, _settings.Seed, progress, cancellationToken);
        var result = Summarise(_settings.Planner, outcomes, clock.Elapsed);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation(
                "{Planner}: success {Rate:P1} [{Lower:P1}, {Upper:P1}], mean state distance {Distance:G4}, {Seconds:F1} s",
                result.Planner, result.SuccessRate, result.SuccessInterval.Lower, result.SuccessInterval.Upper, result.MeanStateDistance, result.Elapsed.TotalSeconds);
        }
        return result;
    }

    /// <summary>Aggregates per-episode outcomes into the headline figures.</summary>
    public static EvaluationResult Summarise(PlannerKind planner, IReadOnlyList<EpisodeOutcome> outcomes, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count == 0)
        {
            throw new ArgumentException("Nothing to summarise: no episodes ran.", nameof(outcomes));
        }

        int successes = outcomes.Count(o => o.Success);
        int iterations = outcomes.Max(o => o.Trace.Iterations.Count);
        var byIteration = Enumerable.Range(0, iterations)
            .Select(i => outcomes.Where(o => o.Trace.Iterations.Count > i).Select(o => o.Trace.Iterations[i]).ToList())
            .ToList();
        var lossPerStep = byIteration
            .Select(traces => Enumerable.Range(0, traces[0].LossPerOptStep.Length).Select(s => traces.Average(t => (double)t.LossPerOptStep[s])).ToArray())
            .ToList();
        return new EvaluationResult(
            planner,
            successes,
            (double)successes / outcomes.Count,
            WilsonInterval.Compute(successes, outcomes.Count),
            outcomes.Average(o => o.FinalStateDistance),
            outcomes,
            lossPerStep,
            byIteration.Select(traces => traces.Average(t => (double)t.PlanLoss)).ToArray(),
            byIteration.Select(traces => traces.Average(t => (double)t.ImaginedRealGap)).ToArray(),
            elapsed);
    }
}
