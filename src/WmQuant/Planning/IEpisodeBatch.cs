namespace WmQuant.Planning;

/// <summary>
/// N environment instances, one per evaluation episode, stepped on the CPU. Kept free of
/// TorchSharp so environments do not depend on the tensor library.
/// </summary>
public interface IEpisodeBatch
{
    /// <summary>Number of episodes (instances) in the batch.</summary>
    int Count { get; }

    /// <summary>Width of one environment action (before frameskip stacking).</summary>
    int EnvActionDim { get; }

    /// <summary>Environment steps per model action.</summary>
    int Frameskip { get; }

    /// <summary>Side of the square images <see cref="Observe"/> returns.</summary>
    int ImageSize { get; }

    /// <summary>Width of one proprio vector.</summary>
    int ProprioDim { get; }

    /// <summary>Draws start and goal of every episode from its seed (one seed per instance).</summary>
    void Reset(IReadOnlyList<int> seeds);

    /// <summary>Current observation of the listed episodes: images [n, 3, S, S] in [0, 1] and proprio [n, p].</summary>
    (float[] Images, float[] Proprio) Observe(IReadOnlyList<int> which);

    /// <summary>Goal observation of the listed episodes, same layout as <see cref="Observe"/>.</summary>
    (float[] Images, float[] Proprio) ObserveGoals(IReadOnlyList<int> which);

    /// <summary>Advances one episode by one environment step with a denormalised action.</summary>
    void Step(int episode, ReadOnlySpan<float> envAction);

    /// <summary>Whether the episode's current state counts as reaching its goal.</summary>
    bool IsSuccess(int episode);

    /// <summary>Distance between the episode's current state and its goal state (L2 over the full state).</summary>
    double StateDistance(int episode);
}
