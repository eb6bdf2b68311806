namespace WmQuant.Environments.Datasets;

/// <summary>
/// Shared machinery of the generators: runs one rollout per trajectory in parallel (each with its own
/// derived seed, so the output is independent of scheduling) and computes the card's statistics.
/// </summary>
internal static class DatasetAssembler
{
    /// <summary>Seed of trajectory <paramref name="index"/> under master seed <paramref name="seed"/>.</summary>
    public static int TrajectorySeed(int seed, int index) => unchecked((seed * 1_000_003) + (index * 7919) + 17);

    public static (Trajectory[] Trajectories, double[][] Proprio) Rollouts(
        int trajectories, int steps, int seed, IProgress<int>? progress,
        Func<IPlanningEnvironment> factory, Func<int, IPlanningEnvironment, Func<double[]>> begin)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trajectories);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var result = new Trajectory[trajectories];
        var proprio = new double[trajectories][];
        var done = 0;
        Parallel.For(0, trajectories, i =>
        {
            var env = factory();
            var policy = begin(TrajectorySeed(seed, i), env);
            var s = env.StateDim;
            var a = env.ActionDim;
            var p = env.ProprioDim;
            var states = new double[(steps + 1) * s];
            var actions = new double[steps * a];
            var props = new double[(steps + 1) * p];
            env.CopyState(states.AsSpan(0, s));
            env.CopyProprio(props.AsSpan(0, p));
            for (var t = 0; t < steps; t++)
            {
                var action = policy();
                action.CopyTo(actions.AsSpan(t * a, a));
                env.Step(action);
                env.CopyState(states.AsSpan((t + 1) * s, s));
                env.CopyProprio(props.AsSpan((t + 1) * p, p));
            }

            result[i] = new Trajectory(states, actions, s, a);
            proprio[i] = props;
            var finished = Interlocked.Increment(ref done);
            progress?.Report(finished);
        });
        return (result, proprio);
    }

    /// <summary>
    /// The card of freshly generated <paramref name="trajectories"/>: dimensions from the trajectories, action, state
    /// and proprio statistics from the data, frameskip 5 (every task here), the rest as given.
    /// </summary>
    public static DatasetCard Card(
        string environment, string generator, int seed, int steps, Trajectory[] trajectories, double[][] proprio, int proprioDim,
        string notes, Dictionary<string, double>? parameters = null)
    {
        var stateDim = trajectories[0].StateDim;
        var actionDim = trajectories[0].ActionDim;
        var (am, asd) = Moments(trajectories.Select(t => t.Actions), actionDim);
        var (sm, ssd) = Moments(trajectories.Select(t => t.States), stateDim);
        var (pm, psd) = Moments(proprio, proprioDim);
        return new DatasetCard
        {
            Environment = environment,
            Generator = generator,
            Seed = seed,
            Trajectories = trajectories.Length,
            StepsPerTrajectory = steps,
            StateDim = stateDim,
            ActionDim = actionDim,
            ProprioDim = proprioDim,
            Frameskip = 5,
            EnvironmentParameters = parameters ?? [],
            ActionMean = am,
            ActionStd = asd,
            ProprioMean = pm,
            ProprioStd = psd,
            StateMean = sm,
            StateStd = ssd,
            Notes = notes,
        };
    }

    public static (double[] Mean, double[] Std) Moments(IEnumerable<double[]> blocks, int dimension)
    {
        var moments = new RunningMoments(dimension);
        foreach (var block in blocks)
        {
            for (var i = 0; i + dimension <= block.Length; i += dimension)
            {
                moments.Add(block.AsSpan(i, dimension));
            }
        }

        return (moments.Mean, moments.Std);
    }
}
