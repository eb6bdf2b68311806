namespace WmQuant.Planning.Mpc;

/// <summary>
/// Turns one normalised model action (frameskip environment actions stacked, frame-major: index
/// f·A + d) into environment actions in the dataset's units.
/// </summary>
public sealed class ActionDenormalizer
{
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly int _frameskip;

    /// <summary>Creates a denormaliser for <paramref name="frameskip"/> stacked actions of width mean.Length.</summary>
    public ActionDenormalizer(float[] mean, float[] std, int frameskip)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length != std.Length || mean.Length == 0 || frameskip < 1)
        {
            throw new ArgumentException("Action mean and std must have the environment action width, and frameskip must be positive.");
        }

        _mean = mean;
        _std = std;
        _frameskip = frameskip;
    }

    /// <summary>Environment action width.</summary>
    public int EnvActionDim => _mean.Length;

    /// <summary>Model action width (environment width × frameskip).</summary>
    public int ModelActionDim => _mean.Length * _frameskip;

    /// <summary>Writes environment action <paramref name="frame"/> of <paramref name="modelAction"/> into <paramref name="envAction"/>.</summary>
    public void Denormalize(ReadOnlySpan<float> modelAction, int frame, Span<float> envAction)
    {
        int width = _mean.Length;
        var slice = modelAction.Slice(frame * width, width);
        for (int d = 0; d < width; d++)
        {
            envAction[d] = (slice[d] * _std[d]) + _mean[d];
        }
    }

    /// <summary>Frames per model action.</summary>
    public int Frameskip => _frameskip;
}
