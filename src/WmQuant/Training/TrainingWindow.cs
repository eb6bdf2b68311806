namespace WmQuant.Training;

/// <summary>
/// How a training window is cut from a trajectory (upstream TrajSlicerDataset): frames every
/// <c>frameskip</c> environment steps, and each frame carries the <c>frameskip</c> environment
/// actions that follow it, concatenated, so the model learns "this frame, then these actions".
/// </summary>
/// <param name="Frames">Frames per window (num_hist + num_pred).</param>
/// <param name="Frameskip">Environment steps between two frames.</param>
public sealed record TrainingWindow(int Frames, int Frameskip)
{
    /// <summary>Environment steps a window spans: every frame's actions must exist, the last frame's included (as upstream).</summary>
    public int Span => Frames * Frameskip;

    /// <summary>Number of window starts in a trajectory of <paramref name="steps"/> actions (0 when it is too short).</summary>
    public int StartCount(int steps) => Math.Max(0, steps - Span + 1);

    /// <summary>Environment time of frame <paramref name="k"/> of the window starting at <paramref name="start"/>.</summary>
    public int FrameTime(int start, int k) => start + (k * Frameskip);

    /// <summary>
    /// Writes the window's actions into <paramref name="destination"/> (length Frames · Frameskip · actionDim):
    /// frame k gets env actions FrameTime(k) … FrameTime(k) + Frameskip − 1, in order.
    /// </summary>
    /// <param name="actions">A trajectory's actions, already normalised, flattened [steps, actionDim].</param>
    /// <param name="actionDim">Size of one environment action.</param>
    /// <param name="start">Environment time of the window's first frame.</param>
    /// <param name="destination">Receives [Frames, Frameskip · actionDim] flattened.</param>
    public void CopyActions(ReadOnlySpan<float> actions, int actionDim, int start, Span<float> destination)
    {
        var length = Span * actionDim;
        if (destination.Length != length)
        {
            throw new ArgumentException($"destination holds {destination.Length} values; the window needs {length}", nameof(destination));
        }

        // Frame k's block starts at env action FrameTime(k) = start + k·frameskip, so the whole window is
        // the contiguous run of env actions start … start + Span − 1.
        actions.Slice(start * actionDim, length).CopyTo(destination);
    }
}
