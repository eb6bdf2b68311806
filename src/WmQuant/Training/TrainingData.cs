using WmQuant.Environments;
using WmQuant.Environments.Datasets;
using static TorchSharp.torch;

namespace WmQuant.Training;

/// <summary>
/// A dataset prepared for training: normalised actions and proprio for every step, and frames at the
/// model's image size, either rendered once up front (cache) or rendered per batch. Rendering always
/// runs on the CPU, in parallel with one environment per worker.
/// </summary>
public sealed class TrainingData : IDisposable
{
    private readonly TrajectoryDataset _dataset;
    private readonly Trajectory[] _trajectories;
    private readonly int _imageSize;
    private readonly Tensor? _frameCache;

    /// <summary>Prepares <paramref name="dataset"/> for a model of <paramref name="imageSize"/> px; with <paramref name="cacheFrames"/> every frame is rendered now.</summary>
    public TrainingData(TrajectoryDataset dataset, int imageSize, bool cacheFrames)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        _dataset = dataset;
        _imageSize = imageSize;
        _trajectories = [.. dataset.All()];
        var card = dataset.Card;
        Steps = card.StepsPerTrajectory;
        ActionDim = card.ActionDim;
        ProprioDim = card.ProprioDim;
        var normalisedActions = new float[_trajectories.Length][];
        var normalisedProprio = new float[_trajectories.Length][];
        NormalisedActions = normalisedActions;
        NormalisedProprio = normalisedProprio;
        var env = EnvironmentCatalog.Create(card.Environment, card.EnvironmentParameters, imageSize);
        var proprio = new double[ProprioDim];
        for (var i = 0; i < _trajectories.Length; i++)
        {
            var trajectory = _trajectories[i];
            var actions = new float[Steps * ActionDim];
            for (var j = 0; j < actions.Length; j++)
            {
                var d = j % ActionDim;
                actions[j] = (float)((trajectory.Actions[j] - card.ActionMean[d]) / card.ActionStd[d]);
            }

            var proprios = new float[(Steps + 1) * ProprioDim];
            for (var t = 0; t <= Steps; t++)
            {
                env.SetState(trajectory.State(t));
                env.CopyProprio(proprio);
                for (var d = 0; d < ProprioDim; d++)
                {
                    proprios[(t * ProprioDim) + d] = (float)((proprio[d] - card.ProprioMean[d]) / card.ProprioStd[d]);
                }
            }

            normalisedActions[i] = actions;
            normalisedProprio[i] = proprios;
        }

        if (cacheFrames)
        {
            var all = new (int, int)[_trajectories.Length * (Steps + 1)];
            for (var i = 0; i < all.Length; i++)
            {
                all[i] = (i / (Steps + 1), i % (Steps + 1));
            }

            _frameCache = RenderInChunks(all);
        }
    }

    /// <summary>Trajectories available.</summary>
    public int Count => _trajectories.Length;

    /// <summary>Environment actions per trajectory.</summary>
    public int Steps { get; }

    /// <summary>Size of one environment action.</summary>
    public int ActionDim { get; }

    /// <summary>Size of one proprio vector.</summary>
    public int ProprioDim { get; }

    /// <summary>Per trajectory, its actions normalised with the card's mean and std, flattened [steps, actionDim].</summary>
    public IReadOnlyList<float[]> NormalisedActions { get; }

    /// <summary>Per trajectory, its proprio normalised with the card's mean and std, flattened [steps + 1, proprioDim].</summary>
    public IReadOnlyList<float[]> NormalisedProprio { get; }

    /// <summary>Frames of (trajectory, time) pairs as uint8 [N, 3, S, S] on the CPU.</summary>
    public Tensor Frames(IReadOnlyList<(int Trajectory, int Time)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (_frameCache is null)
        {
            return Render(items);
        }

        var index = items.Select(x => (long)((x.Trajectory * (Steps + 1)) + x.Time)).ToArray();
        using var indexTensor = tensor(index, ScalarType.Int64);
        return _frameCache.index_select(0, indexTensor);
    }

    /// <inheritdoc />
    public void Dispose() => _frameCache?.Dispose();

    // A cache can exceed the 2 GiB a managed array may hold (3000 PushT trajectories × 101 frames × 12 KiB):
    // render it in chunks straight into one uint8 tensor.
    private Tensor RenderInChunks((int Trajectory, int Time)[] items)
    {
        const int Chunk = 8192;
        if (items.Length <= Chunk)
        {
            return Render(items);
        }

        var s = _imageSize;
        var cache = empty([items.Length, 3, s, s], ScalarType.Byte);
        for (var start = 0; start < items.Length; start += Chunk)
        {
            var length = Math.Min(Chunk, items.Length - start);
            using var part = Render(new ArraySegment<(int, int)>(items, start, length));
            cache.narrow(0, start, length).copy_(part);
        }

        return cache;
    }

    private Tensor Render(IReadOnlyList<(int Trajectory, int Time)> items)
    {
        var s = _imageSize;
        var frameBytes = 3 * s * s;
        var bytes = new byte[(long)items.Count * frameBytes];
        var card = _dataset.Card;
        Parallel.For(
            0,
            items.Count,
            () => EnvironmentCatalog.Create(card.Environment, card.EnvironmentParameters, s),
            (i, _, env) =>
            {
                var (trajectory, time) = items[i];
                var frame = env.Renderer.Render(_trajectories[trajectory].State(time), s);
                var pixels = frame.Pixels;
                var offset = (long)i * frameBytes;
                for (var p = 0; p < s * s; p++)
                {
                    // HWC RGB bytes → CHW planes.
                    bytes[offset + p] = pixels[(3 * p) + 0];
                    bytes[offset + (s * s) + p] = pixels[(3 * p) + 1];
                    bytes[offset + (2 * s * s) + p] = pixels[(3 * p) + 2];
                }

                return env;
            },
            _ => { });
        return tensor(bytes, ScalarType.Byte).reshape(items.Count, 3, s, s);
    }
}
