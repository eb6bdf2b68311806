using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;

namespace WmQuant.Quantization.Calibration;

/// <summary>
/// Collects calibration data the way the study does: the full-precision planner runs on calibration episodes
/// (seeds 99·n+2) for a few MPC iterations, and every recorded layer's inputs feed running statistics and a seeded
/// reservoir of tokens. Memory is bounded by the reservoir, whatever the number of episodes.
/// </summary>
public static class PlanningCalibrator
{
    /// <summary>Runs the FP planner on <paramref name="environments"/> (created empty; calibration resets it) and returns the statistics.</summary>
    /// <param name="model">A full-precision model (no input transforms installed); its observers are restored afterwards.</param>
    /// <param name="settings">What to run and record.</param>
    /// <param name="environments">The episode batch (e.g. <see cref="EnvironmentEpisodeBatch.ForModel"/>).</param>
    /// <param name="modelSha256">SHA-256 of the model file, recorded with the key; null when unknown.</param>
    /// <param name="progress">Reported after each MPC iteration (synchronously, on the calling thread).</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="cancellationToken">Checked between MPC iterations.</param>
    /// <exception cref="ArgumentException">Invalid settings or an unknown layer name (recipes validate before calling).</exception>
    /// <exception cref="InvalidOperationException">The model already carries input transforms (it is not the FP model).</exception>
    public static CalibrationSet Run(
        DinoWorldModel model,
        CalibrationSettings settings,
        IEpisodeBatch environments,
        string? modelSha256 = null,
        IProgress<CalibrationProgress>? progress = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environments);
        logger ??= NullLogger.Instance;
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid calibration settings: " + string.Join("; ", problems), nameof(settings));
        }

        var layers = SelectLayers(model, settings.Layers);
        var transformed = layers.Where(l => l.Layer.InputTransform is not null).Select(l => l.Name).ToList();
        if (transformed.Count > 0)
        {
            throw new InvalidOperationException($"calibration needs the full-precision model, but these layers carry input transforms: {string.Join(", ", transformed)}");
        }

        var statistics = new ActivationStatistics(settings.ReservoirCapacity, settings.ReservoirSeed);
        var blockInputs = settings.BlockInputSamples > 0 ? new BlockInputSample(settings.BlockInputSamples, settings.ReservoirSeed) : null;
        var previousObservers = layers.Select(l => l.Layer.InputObserver).ToList();
        bool previousIncremental = model.Predictor.IncrementalInference;
        var removeHooks = new List<Action>();
        long encodeCalls = 0, predictCalls = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var (_, layer) in layers)
            {
                layer.InputObserver = statistics.AsObserver();
            }

            if (blockInputs is not null)
            {
                removeHooks.AddRange(ObserveBlockInputs(model, blockInputs));
            }

            var adapter = new DinoWorldModelPlanningAdapter(model, settings.Normalization.ProprioMean, settings.Normalization.ProprioStd);
            var observed = new ObservedWorldModel(adapter, call =>
            {
                if (call.Kind == ModelCallKind.Encode)
                {
                    encodeCalls++;
                }
                else
                {
                    predictCalls++;
                }
            });
            var evaluation = new EvaluationSettings(
                new MpcSettings(settings.Normalization.ActionMean, settings.Normalization.ActionStd, settings.MpcIterations),
                settings.Planner,
                settings.Episodes,
                EpisodeSeedSet.Calibration,
                settings.FirstEpisode,
                settings.PlanningSeed,
                settings.Cem,
                settings.Gradient,
                settings.Objective,
                settings.SeedOffset);
            var forward = progress is null ? null : new ForwardingProgress(progress, statistics, () => encodeCalls + predictCalls);
            new EvaluationRunner(observed, evaluation, logger).Run(environments, forward, cancellationToken);
        }
        catch
        {
            statistics.Dispose();
            blockInputs?.Dispose();
            throw;
        }
        finally
        {
            for (int i = 0; i < layers.Count; i++)
            {
                layers[i].Layer.InputObserver = previousObservers[i];
            }

            removeHooks.ForEach(remove => remove());
            model.Predictor.IncrementalInference = previousIncremental;
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation(
                "Calibrated {Layers} layers on {Episodes} episodes x {Iterations} MPC iterations ({Encodes} encoder calls, {Predicts} predictor rollouts) in {Seconds:F1} s",
                statistics.Layers.Count, settings.Episodes, settings.MpcIterations, encodeCalls, predictCalls, clock.Elapsed.TotalSeconds);
        }

        return new CalibrationSet(statistics, new CalibrationProvenance(
            modelSha256 is null ? null : CalibrationCacheKey.FromModelHash(modelSha256, settings),
            modelSha256,
            settings.ToCanonicalJson(),
            encodeCalls,
            predictCalls), blockInputs);
    }

    /// <summary>
    /// Hooks that record the inputs of the first encoder block and the first predictor layer into
    /// <paramref name="sample"/>; returns how to remove them. The predictor is kept on its full masked pass (not the
    /// incremental one, which runs the layers on new frames only), so each recorded sequence is a whole window.
    /// </summary>
    private static List<Action> ObserveBlockInputs(DinoWorldModel model, BlockInputSample sample)
    {
        var removers = new List<Action>();
        if (model.Encoder.Blocks.Count > 0)
        {
            string name = $"{ModuleGroups.Prefix(ModuleGroup.Encoder)}.blocks.0";
            var hook = model.Encoder.Blocks[0].register_forward_pre_hook((_, input) =>
            {
                sample.Observe(name, input);
                return input;
            });
            removers.Add(hook.remove);
        }

        if (model.Predictor.Transformer.Layers.Count > 0)
        {
            model.Predictor.IncrementalInference = false;
            string name = $"{ModuleGroups.Prefix(ModuleGroup.Predictor)}.transformer.layers.0";
            var hook = model.Predictor.Transformer.Layers[0].register_forward_pre_hook((_, input, _) =>
            {
                sample.Observe(name, input);
                return null;
            });
            removers.Add(hook.remove);
        }

        return removers;
    }

    /// <summary>
    /// The cached set for (model file, settings) under <paramref name="cacheRoot"/>/&lt;key&gt;/ when present and intact,
    /// else a fresh run saved there. The bool says whether the cache served it.
    /// </summary>
    public static (CalibrationSet Set, bool FromCache) LoadOrRun(
        string cacheRoot,
        string modelPath,
        DinoWorldModel model,
        CalibrationSettings settings,
        IEpisodeBatch environments,
        IProgress<CalibrationProgress>? progress = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cacheRoot);
        ArgumentNullException.ThrowIfNull(modelPath);
        string modelSha = CalibrationCacheKey.ModelSha256(modelPath);
        string key = CalibrationCacheKey.FromModelHash(modelSha, settings);
        string directory = Path.Combine(cacheRoot, key);
        var cached = CalibrationSet.Load(directory);
        if (cached.Set is { } hit && hit.Provenance.Key == key)
        {
            return (hit, true);
        }

        cached.Set?.Dispose();
        var set = Run(model, settings, environments, modelSha, progress, logger, cancellationToken);
        set.Save(directory);
        return (set, false);
    }

    private static List<(string Name, IQuantizableLayer Layer)> SelectLayers(DinoWorldModel model, IReadOnlyList<string>? names)
    {
        var all = model.NamedQuantizableLayers().ToList();
        if (names is null)
        {
            return all;
        }

        var known = all.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var unknown = names.Where(n => !known.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"no quantizable layer named {string.Join(", ", unknown)}");
        }

        return [.. all.Where(l => names.Contains(l.Name, StringComparer.Ordinal))];
    }

    /// <summary>Turns planning progress into calibration progress on the reporting thread (no synchronisation-context hop).</summary>
    private sealed class ForwardingProgress(IProgress<CalibrationProgress> target, ActivationStatistics statistics, Func<long> calls) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) =>
            target.Report(new CalibrationProgress(value.Iteration, value.MaxIterations, value.ActiveEpisodes, value.TotalEpisodes, calls(), statistics.Layers.Count));
    }
}
