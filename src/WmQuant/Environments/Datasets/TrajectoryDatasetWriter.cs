using System.Buffers.Binary;
using System.Text.Json;

namespace WmQuant.Environments.Datasets;

/// <summary>Writes a dataset folder: <c>dataset.json</c> plus little-endian float32 files of states and actions.</summary>
public static class TrajectoryDatasetWriter
{
    /// <summary>Writes <paramref name="trajectories"/> with <paramref name="card"/> into <paramref name="directory"/> (created if missing).</summary>
    public static void Write(string directory, DatasetCard card, IReadOnlyList<Trajectory> trajectories)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(trajectories);
        Directory.CreateDirectory(directory);
        WriteFloats(Path.Combine(directory, card.StatesFile), trajectories.Select(t => t.States));
        WriteFloats(Path.Combine(directory, card.ActionsFile), trajectories.Select(t => t.Actions));
        File.WriteAllText(Path.Combine(directory, TrajectoryDataset.CardFileName), JsonSerializer.Serialize(card, DatasetCard.JsonOptions));
    }

    private static void WriteFloats(string path, IEnumerable<double[]> blocks)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[4];
        foreach (var block in blocks)
        {
            foreach (var v in block)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer, (float)v);
                stream.Write(buffer);
            }
        }
    }
}
