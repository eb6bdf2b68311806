using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Training.Objectives;

/// <summary>
/// The encoder-pretraining term that makes latent distance track reachability (DESIGN §4: planning works
/// only if latent distance to the goal falls smoothly as the agent approaches it along feasible paths). For
/// every pair of frames in a batch it asks the root-mean-square difference of their visual latents — the
/// quantity the planner's visual objective squares — to equal <c>scale</c> times the shortest free path
/// between their agents in image pixels (<see cref="PixelGeodesics"/>). An autoencoder alone gives a latent
/// whose distance is flat once two dots stop overlapping, which leaves the planner only the straight-line
/// proprio term, and that has its minimum against the wall.
/// </summary>
public static class ReachabilityLoss
{
    /// <summary>
    /// Mean squared difference between latent RMS distances and <paramref name="scale"/> × path lengths over
    /// the distinct pairs with a finite path.
    /// </summary>
    /// <param name="visual">Visual latents [B, P, D] of the frames (with gradient).</param>
    /// <param name="pathLengths">Pairwise shortest-path lengths [B, B] in image pixels (+∞ where unreachable).</param>
    /// <param name="scale">Latent RMS distance wanted per pixel of path.</param>
    public static Tensor Compute(Tensor visual, Tensor pathLengths, double scale)
    {
        ArgumentNullException.ThrowIfNull(visual);
        ArgumentNullException.ThrowIfNull(pathLengths);
        using var scope = NewDisposeScope();
        var b = visual.shape[0];
        var flat = visual.reshape(b, -1);
        var rms = (flat.unsqueeze(1) - flat.unsqueeze(0)).Pow(2).mean([2]).Add(1e-8).sqrt();
        var upper = ones([b, b], ScalarType.Bool, visual.device).triu(1);
        var valid = upper.logical_and(pathLengths.isfinite());
        var target = where(valid, pathLengths, zeros_like(pathLengths)).to_type(rms.dtype).Mul(scale);
        var squared = (rms - target).Pow(2) * valid.to_type(rms.dtype);
        return (squared.sum() / valid.sum().ClampMin(1)).MoveToOuterDisposeScope();
    }
}
