using WmQuant.Planning.Objectives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Planning.Optimizers;

/// <summary>
/// Cross-entropy method over normalised actions, batched over episodes × samples: every CEM step
/// is one model call, or a few when <see cref="CemSettings.MaxModelBatch"/> caps the batch or, left at 0,
/// when the rows would not fit in memory (<see cref="RolloutMemoryEstimate"/>). Upstream
/// plans episodes one by one and re-encodes the start each step; here the start is encoded by the
/// caller once and expanded per sample.
/// </summary>
public sealed class CemPlanner : IActionPlanner
{
    private readonly ILatentWorldModel _model;
    private readonly LastFrameObjective _objective;
    private readonly CemSettings _settings;
    private readonly Func<Device, long?> _availableMemory;

    /// <summary>Creates a planner for <paramref name="model"/> scoring plans with <paramref name="objective"/>.</summary>
    public CemPlanner(ILatentWorldModel model, LastFrameObjective objective, CemSettings settings)
        : this(model, objective, settings, DeviceMemory.AvailableBytes)
    {
    }

    /// <summary>The same, with the memory a device offers read by <paramref name="availableMemory"/> (tests pin it).</summary>
    internal CemPlanner(ILatentWorldModel model, LastFrameObjective objective, CemSettings settings, Func<Device, long?> availableMemory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(availableMemory);
        settings.Validate();
        _model = model;
        _objective = objective;
        _settings = settings;
        _availableMemory = availableMemory;
    }

    /// <summary>
    /// Rows per model call for <paramref name="rows"/> rows: the settings' cap when set, else as many as fit in half
    /// the device's memory by the model's own estimate (all of them when the model gives none).
    /// </summary>
    internal long RowsPerCall(long rows) => _settings.MaxModelBatch > 0
        ? _settings.MaxModelBatch
        : RolloutMemoryEstimate.RowsPerCall(rows, _model.BytesPerPredictRow, _model.BytesPerPredictRow > 0 ? _availableMemory(_model.Device) : null);

    /// <inheritdoc/>
    public int Horizon => _settings.Horizon;

    /// <inheritdoc/>
    public PlanResult Plan(PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long episodes = request.EpisodeCount();

        int h = _settings.Horizon, s = _settings.Samples, k = _settings.TopK, a = _model.ActionDim;
        var dtype = _model.DType;
        var device = _model.Device;
        var generators = PlanningNoise.Generators(request.NoiseSeeds);
        try
        {
            using var outer = NewDisposeScope();
            using var noGrad = no_grad();
            var mean = zeros([episodes, h, a], dtype, device);
            var sigma = ScalarOps.Full([episodes, h, a], _settings.InitialSigma, dtype, device);
            // Every step's noise is drawn up front, step by step in the same generator order as before, and moved to the
            // device in one copy; the best loss per step stays there until the end. Inside the loop nothing then waits
            // for the host, so a GPU is never idle between steps (the values are the same as drawing per step).
            var noiseSteps = PlanningNoise.DrawSteps(generators, _settings.OptSteps, s - 1, h, a, dtype, device);
            var bestPerStep = new List<Tensor>(_settings.OptSteps);
            for (int step = 0; step < _settings.OptSteps; step++)
            {
                using var scope = NewDisposeScope();
                // Row 0 of every episode is the mean itself, so the incumbent is always re-scored.
                var noise = cat([zeros([episodes, 1, h, a], dtype, device), noiseSteps[step]], 1);
                var samples = mean.unsqueeze(1).Add(sigma.unsqueeze(1) * noise);
                var loss = LossPerSample(request, samples.reshape(episodes * s, h, a), s).reshape(episodes, s);
                var (eliteLoss, eliteIndex) = loss.topk(k, dim: 1, largest: false, sorted: true);
                var elites = samples.gather(1, eliteIndex.reshape(episodes, k, 1, 1).expand(episodes, k, h, a));
                mean = elites.mean([1]).MoveToOuterDisposeScope();
                sigma = elites.std(1).MoveToOuterDisposeScope();
                bestPerStep.Add(eliteLoss.select(1, 0).MoveToOuterDisposeScope());
            }

            var losses = stack(bestPerStep, 1).to(ScalarType.Float32, CPU);
            var perEpisode = Enumerable.Range(0, (int)episodes).Select(e => losses[e].data<float>().ToArray()).ToList();
            return new PlanResult(mean.MoveToOuterDisposeScope(), perEpisode);
        }
        finally
        {
            foreach (var g in generators)
            {
                g.Dispose();
            }
        }
    }

    /// <summary>
    /// The objective of every row ([E·S]). When all rows go in one call, as before chunking existed: one prediction,
    /// each goal broadcast over its samples. Otherwise chunk by chunk, each chunk's latents freed as soon as its losses
    /// are taken, so what outlives a call is one number per row: at 15,000 rows the full-size model's final-frame latents
    /// alone would be 4.5 GB, and the inputs rows copied for each call as much again.
    /// </summary>
    private Tensor LossPerSample(PlanRequest request, Tensor actions, long samplesPerEpisode)
    {
        var start = request.Start;
        long rows = actions.shape[0];
        long chunk = RowsPerCall(rows);
        Tensor EpisodeOfRow(long first, long length) =>
            ScalarOps.Arange(first, first + length, 1, ScalarType.Int64, start.Visual.device).Div(samplesPerEpisode, RoundingMode.floor);
        if (chunk >= rows)
        {
            var predicted = _model.PredictFinal(start.Rows(EpisodeOfRow(0, rows)), actions);
            return _objective.Loss(predicted, request.Goal);
        }

        var losses = new List<Tensor>();
        for (long first = 0; first < rows; first += chunk)
        {
            using var scope = NewDisposeScope();
            long length = Math.Min(chunk, rows - first);
            var episodeOfRow = EpisodeOfRow(first, length);
            var predicted = _model.PredictFinal(start.Rows(episodeOfRow), actions.narrow(0, first, length));
            losses.Add(_objective.Loss(predicted, request.Goal.Rows(episodeOfRow)).MoveToOuterDisposeScope());
        }

        return cat(losses, 0);
    }
}
