using static TorchSharp.torch;

namespace WmQuant.Planning;

/// <summary>
/// What planning needs from a world model: encode observations and roll actions forward in latent
/// space. Implementations must treat batch rows independently (no cross-row mixing), because the
/// planner packs episodes × samples into one batch and relies on that for reproducibility.
/// </summary>
public interface ILatentWorldModel
{
    /// <summary>Model action width: the environment's action width times the frameskip.</summary>
    int ActionDim { get; }

    /// <summary>Device the latents live on; planners allocate their tensors there.</summary>
    Device Device { get; }

    /// <summary>Element type of the latents; planners keep their tensors in it.</summary>
    ScalarType DType { get; }

    /// <summary>
    /// Estimated peak bytes one row of <see cref="PredictFinal"/> needs on <see cref="Device"/> (see
    /// <see cref="RolloutMemoryEstimate"/>), so a planner can split episodes × samples into calls that fit in memory;
    /// 0 when unknown, and then every row goes in one call. Wrappers must pass it on: a wrapper that answered 0 would
    /// let the model it wraps run out of memory.
    /// </summary>
    long BytesPerPredictRow { get; }

    /// <summary>Encodes frames.</summary>
    /// <param name="images">[B, T, 3, H, W], float in [0, 1].</param>
    /// <param name="proprio">[B, T, p], raw proprio as the environment reports it.</param>
    LatentObservation Encode(Tensor images, Tensor proprio);

    /// <summary>
    /// Rolls out from <paramref name="start"/> ([B, n, ...]) with normalised
    /// <paramref name="actions"/> ([B, H, ActionDim]; the first n belong to the observed frames)
    /// and returns only the final predicted frame ([B, 1, ...]). Must be differentiable with
    /// respect to <paramref name="actions"/> when autograd is enabled (the gradient planner needs it).
    /// </summary>
    LatentObservation PredictFinal(LatentObservation start, Tensor actions);
}
