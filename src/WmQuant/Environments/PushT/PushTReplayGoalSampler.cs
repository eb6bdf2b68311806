namespace WmQuant.Environments.PushT;

/// <summary>
/// "dset"-style PushT episodes without a stored dataset: the start state is drawn from the seed
/// (pusher in [50, 450]², block in [100, 400]², angle in [−π, π)), a held-out trajectory is generated
/// from it by the <see cref="ScriptedPusher"/> seeded from the same seed, and the state after
/// <see cref="ReplaySteps"/> replayed actions is the goal.
/// </summary>
public sealed class PushTReplayGoalSampler : IEpisodeSampler
{
    /// <summary>Number of actions replayed to make the goal (upstream: 25).</summary>
    public int ReplaySteps { get; init; } = 25;

    /// <inheritdoc />
    public EpisodeSpec Sample(int seed)
    {
        var random = new Random(seed);
        double[] start =
        [
            50 + (400 * random.NextDouble()),
            50 + (400 * random.NextDouble()),
            100 + (300 * random.NextDouble()),
            100 + (300 * random.NextDouble()),
            (2 * Math.PI * random.NextDouble()) - Math.PI,
        ];
        var env = new PushTEnvironment(imageSize: 1, sampler: this);
        env.SetState(start);
        var settled = env.GetState();
        env.SetState(settled); // the evaluation starts from exactly this reset, so the goal must too
        var policy = new ScriptedPusher(seed ^ 0x5EED);
        var actions = new double[ReplaySteps][];
        for (var t = 0; t < ReplaySteps; t++)
        {
            actions[t] = policy.Act(env.GetState());
            env.Step(actions[t]);
        }

        return new EpisodeSpec(seed, settled, env.GetState());
    }

    /// <summary>Replays <paramref name="actions"/> from <paramref name="startState"/> and returns the end state (how dataset-backed goals are made).</summary>
    public static double[] Replay(ReadOnlySpan<double> startState, IEnumerable<double[]> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var env = new PushTEnvironment(imageSize: 1);
        env.SetState(startState);
        foreach (var a in actions)
        {
            env.Step(a);
        }

        return env.GetState();
    }
}
