using WmQuant.Environments.PushT;

namespace WmQuant.Environments.Datasets;

/// <summary>
/// Upstream's "dset" PushT goals from a held-out dataset: the episode seed picks a trajectory and a
/// start time; the start state is the recorded state there and the goal is what replaying the next
/// <see cref="ReplaySteps"/> recorded actions from it yields.
/// </summary>
public sealed class PushTDatasetGoalSampler : IEpisodeSampler
{
    private readonly TrajectoryDataset _dataset;

    /// <summary>Samples from <paramref name="dataset"/> (a PushT dataset with trajectories of at least <see cref="ReplaySteps"/> actions).</summary>
    public PushTDatasetGoalSampler(TrajectoryDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Card.Environment != "pusht")
        {
            throw new ArgumentException($"Dataset is for '{dataset.Card.Environment}', not pusht.", nameof(dataset));
        }

        _dataset = dataset;
    }

    /// <summary>Number of recorded actions replayed to make the goal (upstream: 25).</summary>
    public int ReplaySteps { get; init; } = 25;

    /// <inheritdoc />
    public EpisodeSpec Sample(int seed)
    {
        if (_dataset.Card.StepsPerTrajectory < ReplaySteps)
        {
            throw new InvalidOperationException($"Trajectories have {_dataset.Card.StepsPerTrajectory} actions; {ReplaySteps} are needed.");
        }

        var random = new Random(seed);
        var trajectory = _dataset.Get(random.Next(_dataset.Count));
        var t0 = random.Next(trajectory.Steps - ReplaySteps + 1);
        var env = new PushTEnvironment(imageSize: 1);
        env.SetState(trajectory.State(t0));
        var start = env.GetState();
        env.SetState(start);
        for (var t = t0; t < t0 + ReplaySteps; t++)
        {
            env.Step(trajectory.Action(t));
        }

        return new EpisodeSpec(seed, start, env.GetState());
    }
}
