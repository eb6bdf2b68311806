using static TorchSharp.torch;

namespace WmQuant.Models;

/// <summary>
/// Observations in the model's latent space: what planners compare against goals.
/// </summary>
/// <param name="Visual">Patch tokens [B, T, P, Dv].</param>
/// <param name="Proprio">Proprio embeddings [B, T, Dp] (the encoder's output, not raw proprio).</param>
public sealed record LatentObservation(Tensor Visual, Tensor Proprio) : IDisposable
{
    /// <summary>Batch size B.</summary>
    public long Batch => Visual.shape[0];

    /// <summary>Number of frames T.</summary>
    public long Frames => Visual.shape[1];

    /// <summary>Frames [from, to) of every batch entry.</summary>
    public LatentObservation SliceFrames(long from, long to) =>
        new(Visual[.., (int)from..(int)to], Proprio[.., (int)from..(int)to]);

    /// <summary>Repeats every batch entry <paramref name="times"/> times in place (episodes × samples), as callers expand for planning.</summary>
    public LatentObservation RepeatInterleave(long times) =>
        new(Visual.repeat_interleave(times, 0), Proprio.repeat_interleave(times, 0));

    /// <summary>Detaches both tensors from the current dispose scope so they outlive it.</summary>
    public LatentObservation MoveToOuterDisposeScope()
    {
        Visual.MoveToOuterDisposeScope();
        Proprio.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Releases both tensors.</summary>
    public void Dispose()
    {
        Visual.Dispose();
        Proprio.Dispose();
    }
}
