using WmQuant.Environments.PushT;

namespace WmQuant.Environments.Datasets;

/// <summary>
/// PushT training data from the noisy <see cref="ScriptedPusher"/>, starting from upstream's reset
/// distribution (pusher in [50, 450]², block in [100, 400]², any angle). Upstream trains on 18,500
/// noisy replays of human expert demonstrations, which are not available here; this data is a
/// stand-in and the card says so.
/// </summary>
public sealed class PushTScriptedGenerator : IDatasetGenerator
{
    /// <summary>Standard deviation of the Gaussian noise added to every scripted action.</summary>
    public double ActionNoise { get; init; } = 0.05;

    /// <inheritdoc />
    public string Environment => "pusht";

    /// <inheritdoc />
    public GeneratedDataset Generate(int trajectories, int steps, int seed, IProgress<int>? progress = null)
    {
        var (trajs, proprio) = DatasetAssembler.Rollouts(trajectories, steps, seed, progress,
            () => new PushTEnvironment(imageSize: 1),
            (trajectorySeed, env) =>
            {
                var random = new Random(trajectorySeed);
                env.SetState([
                    50 + (400 * random.NextDouble()),
                    50 + (400 * random.NextDouble()),
                    100 + (300 * random.NextDouble()),
                    100 + (300 * random.NextDouble()),
                    (2 * Math.PI * random.NextDouble()) - Math.PI,
                ]);
                var policy = new ScriptedPusher(trajectorySeed ^ 0x5EED, ActionNoise);
                var state = new double[7];
                return () =>
                {
                    env.CopyState(state);
                    return policy.Act(state);
                };
            });
        var (am, asd) = DatasetAssembler.Moments(trajs.Select(t => t.Actions), 2);
        var (pm, psd) = DatasetAssembler.Moments(proprio, 4);
        var (sm, ssd) = DatasetAssembler.Moments(trajs.Select(t => t.States), 7);
        var card = new DatasetCard
        {
            Environment = Environment,
            Generator = $"pusht scripted pusher (approach behind the block, push towards random targets), Gaussian action noise σ {ActionNoise}",
            Seed = seed,
            Trajectories = trajectories,
            StepsPerTrajectory = steps,
            StateDim = 7,
            ActionDim = 2,
            ProprioDim = 4,
            Frameskip = 5,
            ActionMean = am,
            ActionStd = asd,
            ProprioMean = pm,
            ProprioStd = psd,
            StateMean = sm,
            StateStd = ssd,
            Notes = "Scripted stand-in for upstream's expert demonstrations (not available): behaviour differs from human pushing. "
                + "Actions are relative (target = agent + 100·action). States: agent x, y, block x, y, angle mod 2π, agent vx, vy. "
                + "Images are re-rendered from states (PushTRenderer).",
        };
        return new GeneratedDataset(card, trajs);
    }
}
