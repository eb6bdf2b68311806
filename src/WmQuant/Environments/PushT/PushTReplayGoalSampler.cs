namespace WmQuant.Environments.PushT;

/// <summary>
/// "dset"-style PushT episodes without a stored dataset: the start state is drawn from the seed
/// (pusher in [50, 450]², block in [100, 400]², angle in [−π, π)), a held-out trajectory is generated
/// from it by the <see cref="ScriptedPusher"/> seeded from the same seed, and the state after
/// <see cref="ReplaySteps"/> replayed actions is the goal.
/// </summary>
/// <remarks>
/// The pusher keeps upstream's demonstration pace by default (<see cref="ScriptedPusher.DemoPaceActionNorm"/>):
/// upstream's goals are 25-step segments of human demonstrations, which finish a whole task in about 125 steps,
/// so a segment moves the block a few tens of pixels. The fast scripted pusher moved it a median 97 px and
/// turned it 75° in 25 steps, several times what a demonstration segment does.
/// </remarks>
public sealed class PushTReplayGoalSampler : IEpisodeSampler
{
    /// <summary>Number of actions replayed to make the goal (upstream: 25).</summary>
    public int ReplaySteps { get; init; } = 25;

    /// <summary>Largest commanded step of the held-out trajectory's pusher (its pace; see <see cref="ScriptedPusher.DemoPaceActionNorm"/>).</summary>
    public double Pace { get; init; } = ScriptedPusher.DemoPaceActionNorm;

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
        var policy = new ScriptedPusher(seed ^ 0x5EED, maxActionNorm: Pace);
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
