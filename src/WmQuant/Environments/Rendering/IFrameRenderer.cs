namespace WmQuant.Environments.Rendering;

/// <summary>
/// Turns a simulator state into an RGB frame at a requested size. One interface for all tasks, so
/// analytic renderers (Wall) and vector renderers (PushT, SkiaSharp) are interchangeable.
/// </summary>
public interface IFrameRenderer
{
    /// <summary>Renders <paramref name="state"/> (the environment's full state vector) at <paramref name="size"/>² pixels.</summary>
    RgbFrame Render(ReadOnlySpan<double> state, int size);
}
