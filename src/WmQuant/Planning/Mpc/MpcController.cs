using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using static TorchSharp.torch;

namespace WmQuant.Planning.Mpc;

/// <summary>
/// Receding-horizon control over a batch of episodes: plan all active episodes at once, execute
/// the planned actions in the environments, check success at the boundary, drop finished
/// episodes, re-plan. Goals are encoded once per run and each reached observation once per
/// iteration (it is both the imagined-vs-real check and the next start).
/// </summary>
public sealed class MpcController
{
    private readonly ILatentWorldModel _model;
    private readonly IActionPlanner _planner;
    private readonly LastFrameObjective _objective;
    private readonly MpcSettings _settings;
    private readonly ILogger _logger;

    /// <summary>Creates a controller; <paramref name="planner"/> must plan for the same <paramref name="model"/>.</summary>
    public MpcController(ILatentWorldModel model, IActionPlanner planner, LastFrameObjective objective, MpcSettings settings, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.MaxIterations < 1)
        {
            throw new ArgumentException("MaxIterations must be at least 1.", nameof(settings));
        }

        int execute = settings.ActionsPerIteration ?? planner.Horizon;
        if (execute < 1 || execute > planner.Horizon)
        {
            throw new ArgumentException($"ActionsPerIteration must lie in [1, {planner.Horizon}].", nameof(settings));
        }

        _model = model;
        _planner = planner;
        _objective = objective;
        _settings = settings;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Resets <paramref name="environments"/> with <paramref name="seeds"/> and runs MPC until every
    /// episode succeeded or the cap is reached.
    /// </summary>
    /// <param name="environments">One instance per seed.</param>
    /// <param name="seeds">Environment seed per episode; also keys that episode's planning noise.</param>
    /// <param name="runSeed">Seed of the planning noise of the whole run.</param>
    /// <param name="progress">Optional report after each iteration.</param>
    /// <param name="cancellationToken">Checked between iterations.</param>
    public IReadOnlyList<EpisodeOutcome> Run(
        IEpisodeBatch environments,
        IReadOnlyList<int> seeds,
        long runSeed,
        IProgress<EvaluationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environments);
        ArgumentNullException.ThrowIfNull(seeds);
        int count = seeds.Count;
        if (environments.Count != count)
        {
            throw new ArgumentException($"The environment batch holds {environments.Count} instances for {count} seeds.", nameof(seeds));
        }

        var denormalizer = new ActionDenormalizer(_settings.ActionMean, _settings.ActionStd, environments.Frameskip);
        if (denormalizer.EnvActionDim != environments.EnvActionDim || denormalizer.ModelActionDim != _model.ActionDim)
        {
            throw new ArgumentException(
                $"Action widths disagree: environment {environments.EnvActionDim}×{environments.Frameskip}, normalisation {denormalizer.EnvActionDim}, model {_model.ActionDim}.");
        }

        int execute = _settings.ActionsPerIteration ?? _planner.Horizon;
        var traces = Enumerable.Range(0, count).Select(_ => new List<MpcIterationTrace>()).ToArray();
        var iterationsUsed = new int[count];
        var success = new bool[count];
        int succeeded = 0;

        using var runScope = NewDisposeScope();
        environments.Reset(seeds);
        var active = Enumerable.Range(0, count).ToList();
        var goal = Encode(environments.ObserveGoals(active), count, environments).LastFrame();
        var start = Encode(environments.Observe(active), count, environments);

        for (int iteration = 0; iteration < _settings.MaxIterations && active.Count > 0; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var goalActive = goal.Rows(RowIndex(Enumerable.Range(0, count).ToList(), active));
            var noiseSeeds = active.Select(e => PlanningNoise.StreamSeed(runSeed, seeds[e], iteration)).ToList();
            var plan = _planner.Plan(new PlanRequest(start, goalActive, noiseSeeds));
            var executed = plan.Actions.narrow(1, 0, execute);

            LatentObservation imagined;
            using (no_grad())
            {
                imagined = _model.PredictFinal(start, executed).LastFrame();
            }

            var planLoss = ToFloats(_objective.Loss(imagined, goalActive));
            Execute(environments, active, ToFloats(executed), execute, denormalizer);
            var reached = Encode(environments.Observe(active), active.Count, environments);
            var gap = ToFloats(_objective.Loss(imagined, reached));

            var stillActive = new List<int>(active.Count);
            for (int i = 0; i < active.Count; i++)
            {
                int e = active[i];
                iterationsUsed[e] = iteration + 1;
                traces[e].Add(new MpcIterationTrace(iteration, plan.LossPerStep[i], planLoss[i], gap[i]));
                if (environments.IsSuccess(e))
                {
                    success[e] = true;
                    succeeded++;
                }
                else
                {
                    stillActive.Add(e);
                }
            }

            start = reached.Rows(RowIndex(active, stillActive)).MoveToOuterDisposeScope();
            active = stillActive;
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug(
                    "MPC iteration {Iteration}: mean plan loss {PlanLoss:G4}, mean imagined-real gap {Gap:G4}, {Succeeded}/{Total} succeeded",
                    iteration + 1, planLoss.Average(), gap.Average(), succeeded, count);
            }

            progress?.Report(new EvaluationProgress(iteration + 1, _settings.MaxIterations, active.Count, succeeded, count));
        }

        return Enumerable.Range(0, count)
            .Select(e => new EpisodeOutcome(e, seeds[e], success[e], environments.StateDistance(e), iterationsUsed[e], new PlanningTrace(traces[e])))
            .ToList();
    }

    private LatentObservation Encode((float[] Images, float[] Proprio) observation, int rows, IEpisodeBatch environments)
    {
        using var scope = NewDisposeScope();
        int size = environments.ImageSize;
        var images = tensor(observation.Images, [rows, 1, 3, size, size]).to(_model.DType, _model.Device);
        var proprio = tensor(observation.Proprio, [rows, 1, environments.ProprioDim]).to(_model.DType, _model.Device);
        using var noGrad = no_grad();
        return _model.Encode(images, proprio).MoveToOuterDisposeScope();
    }

    // Positions in `from` of the episodes in `keep` (both ordered by episode index).
    private Tensor RowIndex(List<int> from, List<int> keep)
    {
        var position = new Dictionary<int, int>(from.Count);
        for (int i = 0; i < from.Count; i++)
        {
            position[from[i]] = i;
        }

        return tensor(keep.Select(e => (long)position[e]).ToArray(), ScalarType.Int64, _model.Device);
    }

    private static float[] ToFloats(Tensor values) => values.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();

    private static void Execute(IEpisodeBatch environments, List<int> active, float[] actions, int steps, ActionDenormalizer denormalizer)
    {
        int modelWidth = denormalizer.ModelActionDim;
        Span<float> envAction = stackalloc float[denormalizer.EnvActionDim];
        for (int i = 0; i < active.Count; i++)
        {
            for (int k = 0; k < steps; k++)
            {
                var modelAction = actions.AsSpan(((i * steps) + k) * modelWidth, modelWidth);
                for (int f = 0; f < denormalizer.Frameskip; f++)
                {
                    denormalizer.Denormalize(modelAction, f, envAction);
                    environments.Step(active[i], envAction);
                }
            }
        }
    }
}
