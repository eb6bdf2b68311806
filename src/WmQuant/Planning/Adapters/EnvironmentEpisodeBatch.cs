using WmQuant.Environments;

namespace WmQuant.Planning.Adapters;

/// <summary>
/// One environment instance per evaluation episode, each started and given its goal from the
/// episode seed, so the same seed always means the same task whatever else is in the batch.
/// </summary>
public sealed class EnvironmentEpisodeBatch : IEpisodeBatch
{
    private readonly Func<IPlanningEnvironment> factory;
    private readonly int frameskip;
    private IPlanningEnvironment[] environments = [];
    private double[][] goals = [];
    private float[][] goalImages = [];
    private float[][] goalProprio = [];

    /// <summary>Creates an empty batch; <see cref="Reset"/> makes the instances.</summary>
    /// <param name="factory">Makes one environment rendering at the model's image size.</param>
    /// <param name="frameskip">Environment steps per model action.</param>
    public EnvironmentEpisodeBatch(Func<IPlanningEnvironment> factory, int frameskip)
    {
        ArgumentNullException.ThrowIfNull(factory);
        this.factory = factory;
        this.frameskip = frameskip;
        var probe = factory();
        EnvActionDim = probe.ActionDim;
        ImageSize = probe.ImageSize;
        ProprioDim = probe.ProprioDim;
    }

    /// <summary>
    /// A batch of the named environment for a model: frames render at the model's image size,
    /// except that 196 px models (DINOv2 ViT-S/14) see 224 px frames resized, as upstream does.
    /// <paramref name="parameters"/> go to <see cref="EnvironmentCatalog.Create"/> (e.g. PushT's <c>goal_pace</c>).
    /// </summary>
    public static EnvironmentEpisodeBatch ForModel(string environment, Models.Config.WorldModelConfig config, IReadOnlyDictionary<string, double>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        int renderSize = config.ImageSize == 196 ? 224 : config.ImageSize;
        return new EnvironmentEpisodeBatch(() => EnvironmentCatalog.Create(environment, parameters, renderSize), config.Frameskip);
    }

    /// <inheritdoc />
    public int Count => environments.Length;

    /// <inheritdoc />
    public int EnvActionDim { get; }

    /// <inheritdoc />
    public int Frameskip => frameskip;

    /// <inheritdoc />
    public int ImageSize { get; }

    /// <inheritdoc />
    public int ProprioDim { get; }

    /// <inheritdoc />
    public void Reset(IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        int n = seeds.Count;
        environments = new IPlanningEnvironment[n];
        goals = new double[n][];
        goalImages = new float[n][];
        goalProprio = new float[n][];
        Parallel.For(0, n, i =>
        {
            var env = factory();
            var spec = env.SampleEpisode(seeds[i]);
            env.SetState(spec.GoalState);
            var goalObservation = env.Observe();
            goals[i] = spec.GoalState;
            goalImages[i] = ToChw(goalObservation.Frame);
            goalProprio[i] = [.. goalObservation.Proprio.Select(v => (float)v)];
            env.Reset(seeds[i]);
            environments[i] = env;
        });
    }

    /// <inheritdoc />
    public (float[] Images, float[] Proprio) Observe(IReadOnlyList<int> which)
    {
        ArgumentNullException.ThrowIfNull(which);
        var images = new float[which.Count][];
        var proprio = new float[which.Count][];
        Parallel.For(0, which.Count, k =>
        {
            var observation = environments[which[k]].Observe();
            images[k] = ToChw(observation.Frame);
            proprio[k] = [.. observation.Proprio.Select(v => (float)v)];
        });
        return ([.. images.SelectMany(x => x)], [.. proprio.SelectMany(x => x)]);
    }

    /// <inheritdoc />
    public (float[] Images, float[] Proprio) ObserveGoals(IReadOnlyList<int> which)
    {
        ArgumentNullException.ThrowIfNull(which);
        return ([.. which.SelectMany(i => goalImages[i])], [.. which.SelectMany(i => goalProprio[i])]);
    }

    /// <inheritdoc />
    public void Step(int episode, ReadOnlySpan<float> envAction)
    {
        Span<double> action = stackalloc double[envAction.Length];
        for (int i = 0; i < envAction.Length; i++)
        {
            action[i] = envAction[i];
        }

        environments[episode].Step(action);
    }

    /// <inheritdoc />
    public bool IsSuccess(int episode) => environments[episode].IsSuccess(goals[episode]);

    /// <inheritdoc />
    public double StateDistance(int episode) => environments[episode].StateDistance(goals[episode]);

    /// <summary>HWC bytes to CHW floats in [0, 1], the layout the encoder takes.</summary>
    private static float[] ToChw(Environments.Rendering.RgbFrame frame)
    {
        int plane = frame.Width * frame.Height;
        var result = new float[3 * plane];
        var pixels = frame.Pixels;
        for (int p = 0; p < plane; p++)
        {
            result[p] = pixels[(3 * p)] / 255f;
            result[plane + p] = pixels[(3 * p) + 1] / 255f;
            result[(2 * plane) + p] = pixels[(3 * p) + 2] / 255f;
        }

        return result;
    }
}
