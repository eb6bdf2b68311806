using static TorchSharp.torch;

namespace WmQuant.Planning;

/// <summary>
/// Batch-dimension and time-dimension selections on <see cref="LatentObservation"/>, so planners
/// can regroup episodes and samples without knowing how many latent parts there are.
/// </summary>
public static class LatentObservationExtensions
{
    /// <summary>Batch size (dimension 0), which both parts share.</summary>
    public static long BatchSize(this LatentObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.Visual.shape[0];
    }

    /// <summary>Keeps only the last time step ([B, 1, ...]); objectives compare final frames only.</summary>
    public static LatentObservation LastFrame(this LatentObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return new LatentObservation(
            observation.Visual.narrow(1, observation.Visual.shape[1] - 1, 1),
            observation.Proprio.narrow(1, observation.Proprio.shape[1] - 1, 1));
    }

    /// <summary>Selects batch rows by index (a 1-D int64 tensor on the latents' device).</summary>
    public static LatentObservation Rows(this LatentObservation observation, Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return new LatentObservation(observation.Visual.index_select(0, rows), observation.Proprio.index_select(0, rows));
    }

    /// <summary>Rows [start, start + length) of the batch, without copying.</summary>
    public static LatentObservation Slice(this LatentObservation observation, long start, long length)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return new LatentObservation(observation.Visual.narrow(0, start, length), observation.Proprio.narrow(0, start, length));
    }

    /// <summary>Concatenates batches along dimension 0 (used to join chunked model calls).</summary>
    public static LatentObservation ConcatRows(IReadOnlyList<LatentObservation> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 1)
        {
            return parts[0];
        }

        return new LatentObservation(cat(parts.Select(p => p.Visual).ToList(), 0), cat(parts.Select(p => p.Proprio).ToList(), 0));
    }

    /// <summary>Detaches both parts from the autograd graph.</summary>
    public static LatentObservation Detach(this LatentObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return new LatentObservation(observation.Visual.detach(), observation.Proprio.detach());
    }

    /// <summary>Moves both parts out of the current dispose scope, so they outlive it.</summary>
    public static LatentObservation MoveToOuterDisposeScope(this LatentObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return new LatentObservation(observation.Visual.MoveToOuterDisposeScope(), observation.Proprio.MoveToOuterDisposeScope());
    }
}
