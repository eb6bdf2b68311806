namespace WmQuant.Environments;

/// <summary>
/// Steps many independent instances of one environment together, as batched MPC evaluation needs.
/// Instances share nothing, so stepping them in parallel gives the same result as stepping them in order.
/// </summary>
public sealed class EnvironmentBatch
{
    private readonly IPlanningEnvironment[] _instances;

    /// <summary>Creates <paramref name="count"/> instances with <paramref name="factory"/> (called with the instance index).</summary>
    public EnvironmentBatch(int count, Func<int, IPlanningEnvironment> factory)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(factory);
        _instances = new IPlanningEnvironment[count];
        for (var i = 0; i < count; i++)
        {
            _instances[i] = factory(i);
        }
    }

    /// <summary>Number of instances.</summary>
    public int Count => _instances.Length;

    /// <summary>The instances, for per-episode reset and inspection.</summary>
    public IReadOnlyList<IPlanningEnvironment> Instances => _instances;

    /// <summary>Action size shared by all instances.</summary>
    public int ActionDim => _instances[0].ActionDim;

    /// <summary>State size shared by all instances.</summary>
    public int StateDim => _instances[0].StateDim;

    /// <summary>
    /// Applies a sequence of actions to every instance. <paramref name="actions"/> is laid out
    /// [instance, step, actionDim] row-major; every instance runs <paramref name="steps"/> steps.
    /// </summary>
    public void StepSequence(ReadOnlyMemory<double> actions, int steps)
    {
        var actionDim = ActionDim;
        if (actions.Length != Count * steps * actionDim)
        {
            throw new ArgumentException($"Expected {Count}×{steps}×{actionDim} actions, got {actions.Length}.", nameof(actions));
        }

        Parallel.For(0, Count, i =>
        {
            var env = _instances[i];
            var span = actions.Span.Slice(i * steps * actionDim, steps * actionDim);
            for (var t = 0; t < steps; t++)
            {
                env.Step(span.Slice(t * actionDim, actionDim));
            }
        });
    }

    /// <summary>Current states as a row-major [instance, stateDim] array.</summary>
    public double[] States()
    {
        var dim = StateDim;
        var result = new double[Count * dim];
        for (var i = 0; i < Count; i++)
        {
            _instances[i].CopyState(result.AsSpan(i * dim, dim));
        }

        return result;
    }

    /// <summary>Renders every instance at its image size, in parallel.</summary>
    public Observation[] ObserveAll()
    {
        var result = new Observation[Count];
        Parallel.For(0, Count, i => result[i] = _instances[i].Observe());
        return result;
    }
}
