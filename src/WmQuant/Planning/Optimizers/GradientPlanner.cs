using WmQuant.Planning.Objectives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Planning.Optimizers;

/// <summary>
/// Gradient descent on the action tensor through the model (upstream GDPlanner): SGD on the sum
/// over episodes of each episode's loss (so an episode's gradient does not depend on the batch),
/// then a little seeded noise after every step.
/// </summary>
public sealed class GradientPlanner : IActionPlanner
{
    private readonly ILatentWorldModel _model;
    private readonly LastFrameObjective _objective;
    private readonly GradientSettings _settings;

    /// <summary>Creates a planner for <paramref name="model"/>, which must support autograd through <see cref="ILatentWorldModel.PredictFinal"/>.</summary>
    public GradientPlanner(ILatentWorldModel model, LastFrameObjective objective, GradientSettings settings)
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

        int h = _settings.Horizon, a = _model.ActionDim;
        var dtype = _model.DType;
        var device = _model.Device;
        var generators = PlanningNoise.Generators(request.NoiseSeeds);
        try
        {
            using var outer = NewDisposeScope();
            using var enableGrad = enable_grad();
            var start = request.Start.Detach();
            var goal = request.Goal.Detach();
            var actions = PlanningNoise.Draw(generators, 1, h, a, dtype, device).squeeze(1).Mul(_settings.InitialSigma).detach().requires_grad_(true);
            var lossPerStep = new List<Tensor>(_settings.OptSteps);
            for (int step = 0; step < _settings.OptSteps; step++)
            {
                using var scope = NewDisposeScope();
                var loss = _objective.Loss(_model.PredictFinal(start, actions), goal);
                loss.sum().backward();
                var noise = PlanningNoise.Draw(generators, 1, h, a, dtype, device).squeeze(1);
                using (no_grad())
                {
                    var grad = actions.grad ?? throw new InvalidOperationException("The world model did not propagate gradients to the actions.");
                    actions.sub_(grad.Mul(_settings.LearningRate));
                    actions.AddInPlace(noise.Mul(_settings.ActionNoise));
                    grad.zero_();
                }

                lossPerStep.Add(loss.detach().to(ScalarType.Float32, CPU).MoveToOuterDisposeScope());
            }

            var losses = stack(lossPerStep, 1);
            var perEpisode = Enumerable.Range(0, (int)episodes).Select(e => losses[e].data<float>().ToArray()).ToList();
            return new PlanResult(actions.detach().MoveToOuterDisposeScope(), perEpisode);
        }
        finally
        {
            foreach (var g in generators)
            {
                g.Dispose();
            }
        }
    }
}
