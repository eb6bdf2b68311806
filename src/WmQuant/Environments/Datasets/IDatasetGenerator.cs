namespace WmQuant.Environments.Datasets;

/// <summary>Produces an offline training dataset for one environment, deterministically from a seed.</summary>
public interface IDatasetGenerator
{
    /// <summary>Environment name written into the card.</summary>
    string Environment { get; }

    /// <summary>
    /// Generates <paramref name="trajectories"/> trajectories of <paramref name="steps"/> actions from
    /// <paramref name="seed"/>, reporting the number finished through <paramref name="progress"/>.
    /// The result does not depend on how many threads run.
    /// </summary>
    GeneratedDataset Generate(int trajectories, int steps, int seed, IProgress<int>? progress = null);
}

/// <summary>Trajectories plus the card describing them.</summary>
/// <param name="Card">The dataset card, statistics included.</param>
/// <param name="Trajectories">The trajectories, in index order.</param>
public sealed record GeneratedDataset(DatasetCard Card, IReadOnlyList<Trajectory> Trajectories)
{
    /// <summary>Writes the dataset into <paramref name="directory"/>.</summary>
    public void Save(string directory) => TrajectoryDatasetWriter.Write(directory, Card, Trajectories);
}
