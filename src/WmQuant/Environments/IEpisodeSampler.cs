namespace WmQuant.Environments;

/// <summary>Draws an evaluation episode (start and goal states) from its seed alone.</summary>
public interface IEpisodeSampler
{
    /// <summary>The episode of <paramref name="seed"/>; the same seed always gives the same episode.</summary>
    EpisodeSpec Sample(int seed);
}
