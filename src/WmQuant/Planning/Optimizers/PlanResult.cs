using static TorchSharp.torch;

namespace WmQuant.Planning.Optimizers;

/// <summary>A plan per episode and how the objective evolved while finding it.</summary>
/// <param name="Actions">Normalised model actions [E, H, ActionDim] on the model's device; the caller owns (disposes) it.</param>
/// <param name="LossPerStep">
/// Per episode, one value per optimisation step: for CEM the best sample's loss at that step, for
/// the gradient planner the loss before that step's update.
/// </param>
public sealed record PlanResult(Tensor Actions, IReadOnlyList<float[]> LossPerStep);
