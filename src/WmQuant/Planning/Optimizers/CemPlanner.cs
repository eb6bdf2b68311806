using WmQuant.Planning.Objectives;
using static TorchSharp.torch;

namespace WmQuant.Planning.Optimizers;

/// <summary>
/// Cross-entropy method over normalised actions, batched over episodes × samples: every CEM step
/// is one model call (or a few, if <see cref="CemSettings.MaxModelBatch"/> caps the batch). Upstream
/// plans episodes one by one and re-encodes the start each step; here the start is encoded by the
/// caller once and expanded per sample.
/// </summary>
public sealed class CemPlanner : IActionPlanner
{
    private readonly ILatentWorldModel _model;
    private readonly LastFrameObjective _objective;
    private readonly CemSettings _settings;

    /// <summary>Creates a planner for <paramref name="model"/> scoring plans with <paramref name="objective"/>.</summary>
    public CemPlanner(ILatentWorldModel model, LastFrameObjective objective, CemSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _model = model;
        _objective = objective;
        _settings = settings;
    }

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
            var sigma = full([episodes, h, a], _settings.InitialSigma, dtype, device);
            var bestPerStep = new List<Tensor>(_settings.OptSteps);
            for (int step = 0; step < _settings.OptSteps; step++)
            {
                using var scope = NewDisposeScope();
                // Row 0 of every episode is the mean itself, so the incumbent is always re-scored.
                var noise = cat([zeros([episodes, 1, h, a], dtype, device), PlanningNoise.Draw(generators, s - 1, h, a, dtype, device)], 1);
                var samples = mean.unsqueeze(1) + sigma.unsqueeze(1) * noise;
                var predicted = PredictPerSample(request.Start, samples.reshape(episodes * s, h, a), s);
                var loss = _objective.Loss(predicted, request.Goal).reshape(episodes, s);
                var (eliteLoss, eliteIndex) = loss.topk(k, dim: 1, largest: false, sorted: true);
                var elites = samples.gather(1, eliteIndex.reshape(episodes, k, 1, 1).expand(episodes, k, h, a));
                mean = elites.mean([1]).MoveToOuterDisposeScope();
                sigma = elites.std(1).MoveToOuterDisposeScope();
                bestPerStep.Add(eliteLoss.select(1, 0).to(ScalarType.Float32, CPU).MoveToOuterDisposeScope());
            }

            var losses = stack(bestPerStep, 1);
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

    private LatentObservation PredictPerSample(LatentObservation start, Tensor actions, long samplesPerEpisode)
    {
        long rows = actions.shape[0];
        long chunk = _settings.MaxModelBatch > 0 ? _settings.MaxModelBatch : rows;
        var parts = new List<LatentObservation>();
        for (long first = 0; first < rows; first += chunk)
        {
            long length = Math.Min(chunk, rows - first);
            var episodeOfRow = arange(first, first + length, 1, ScalarType.Int64, start.Visual.device).div(samplesPerEpisode, RoundingMode.floor);
            parts.Add(_model.PredictFinal(start.Rows(episodeOfRow), actions.narrow(0, first, length)).LastFrame());
        }

        return LatentObservationExtensions.ConcatRows(parts);
    }
}
