using static TorchSharp.torch;

namespace WmQuant.Planning;

/// <summary>
/// A batch of encoded observations as the planner sees them: the visual patch latents and the
/// proprio embedding, kept apart because the objective weighs them differently.
/// </summary>
/// <param name="Visual">Visual latents, shape [B, T, P, Dv].</param>
/// <param name="Proprio">Proprio latents, shape [B, T, Dp].</param>
public sealed record LatentObservation(Tensor Visual, Tensor Proprio);
