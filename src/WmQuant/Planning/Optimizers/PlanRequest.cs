namespace WmQuant.Planning.Optimizers;

/// <summary>One planning problem for a batch of episodes.</summary>
/// <param name="Start">Encoded current observation per episode, [E, n, ...].</param>
/// <param name="Goal">Encoded goal per episode, [E, 1, ...].</param>
/// <param name="NoiseSeeds">
/// One seed per episode; each episode draws its noise from its own generator, so its plan does not
/// depend on which other episodes share the batch. See <see cref="PlanningNoise.StreamSeed"/>.
/// </param>
public sealed record PlanRequest(LatentObservation Start, LatentObservation Goal, IReadOnlyList<long> NoiseSeeds)
{
    /// <summary>The number of episodes, after checking that start, goal and seeds agree on it.</summary>
    /// <exception cref="ArgumentException">They disagree.</exception>
    public long EpisodeCount()
    {
        long episodes = Start.BatchSize();
        if (NoiseSeeds.Count != episodes || Goal.BatchSize() != episodes)
        {
            throw new ArgumentException("Start, goal and noise seeds must have one entry per episode.");
        }

        return episodes;
    }
}
