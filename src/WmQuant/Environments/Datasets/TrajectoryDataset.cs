using System.Buffers.Binary;
using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Environments.Rendering;

namespace WmQuant.Environments.Datasets;

/// <summary>
/// A dataset folder opened for reading: its card, its trajectories (states and actions, as doubles),
/// and observations re-rendered from the stored states at any image size.
/// </summary>
public sealed class TrajectoryDataset
{
    /// <summary>Name of the card file inside a dataset folder.</summary>
    public const string CardFileName = "dataset.json";

    private readonly float[] _states;
    private readonly float[] _actions;
    private readonly IPlanningEnvironment _environment;

    private TrajectoryDataset(DatasetCard card, float[] states, float[] actions)
    {
        Card = card;
        _states = states;
        _actions = actions;
        _environment = EnvironmentCatalog.Create(card.Environment, card.EnvironmentParameters, imageSize: 64);
    }

    /// <summary>The dataset card.</summary>
    public DatasetCard Card { get; }

    /// <summary>Number of trajectories.</summary>
    public int Count => Card.Trajectories;

    /// <summary>Opens the dataset in <paramref name="directory"/>; a missing or inconsistent folder is reported as a clear error.</summary>
    public static TrajectoryDataset Open(string directory)
    {
        var cardPath = Path.Combine(directory, CardFileName);
        if (!File.Exists(cardPath))
        {
            throw new FileNotFoundException($"No dataset card at {cardPath}; generate one with `wmq data generate`.", cardPath);
        }

        var card = JsonSerializer.Deserialize<DatasetCard>(File.ReadAllText(cardPath), DatasetCard.JsonOptions)
            ?? throw new InvalidDataException($"{cardPath} is empty.");
        var states = ReadFloats(Path.Combine(directory, card.StatesFile), (long)card.Trajectories * (card.StepsPerTrajectory + 1) * card.StateDim);
        var actions = ReadFloats(Path.Combine(directory, card.ActionsFile), (long)card.Trajectories * card.StepsPerTrajectory * card.ActionDim);
        return new TrajectoryDataset(card, states, actions);
    }

    /// <summary>The card of the dataset in <paramref name="directory"/> as written, or why there is none.</summary>
    public static (string? Text, Diagnostic? Problem) ReadCardText(string directory)
    {
        var cardPath = Path.GetFullPath(Path.Combine(directory, CardFileName));
        if (!File.Exists(cardPath))
        {
            return (null, Diagnostic.FileError(
                DiagnosticCodes.InputUnusable, cardPath, "no dataset card", hint: "generate one with `wmq data generate`."));
        }

        return (File.ReadAllText(cardPath), null);
    }

    /// <summary>Trajectory <paramref name="index"/>.</summary>
    public Trajectory Get(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var t = Card.StepsPerTrajectory;
        var stateBlock = (t + 1) * Card.StateDim;
        var actionBlock = t * Card.ActionDim;
        var states = new double[stateBlock];
        var actions = new double[actionBlock];
        for (var i = 0; i < stateBlock; i++)
        {
            states[i] = _states[(index * stateBlock) + i];
        }

        for (var i = 0; i < actionBlock; i++)
        {
            actions[i] = _actions[(index * actionBlock) + i];
        }

        return new Trajectory(states, actions, Card.StateDim, Card.ActionDim);
    }

    /// <summary>All trajectories in order.</summary>
    public IEnumerable<Trajectory> All()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return Get(i);
        }
    }

    /// <summary>The frame of trajectory <paramref name="index"/> at time <paramref name="t"/>, rendered at <paramref name="size"/> px.</summary>
    public RgbFrame RenderObservation(int index, int t, int size)
    {
        var trajectory = Get(index);
        return _environment.Renderer.Render(trajectory.State(t), size);
    }

    /// <summary>Normalises an environment action with the card's statistics ((a − mean) / std).</summary>
    public double[] NormaliseAction(ReadOnlySpan<double> action)
    {
        var result = new double[action.Length];
        for (var i = 0; i < action.Length; i++)
        {
            var d = i % Card.ActionDim;
            result[i] = (action[i] - Card.ActionMean[d]) / Card.ActionStd[d];
        }

        return result;
    }

    private static float[] ReadFloats(string path, long expected)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Dataset file {path} is missing.", path);
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.LongLength != expected * 4)
        {
            throw new InvalidDataException($"{path} holds {bytes.LongLength / 4} floats; the card implies {expected}.");
        }

        var result = new float[expected];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4, 4));
        }

        return result;
    }
}
