using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Planning.Evaluation;

/// <summary>Per-step open-loop disagreement between two models' predictions.</summary>
/// <param name="VisualMse">For step k (k = 1 … steps), the MSE between the two models' visual latents of predicted frame n − 1 + k.</param>
/// <param name="ProprioMse">The same for the proprio latents.</param>
public sealed record LatentDriftResult(double[] VisualMse, double[] ProprioMse);

/// <summary>
/// Open-loop latent drift of a candidate model (e.g. quantized) against a reference (e.g. FP):
/// both encode the same start and roll out the same actions, and the gap is measured per step, so
/// error accumulation over the horizon becomes visible.
/// </summary>
public static class LatentDrift
{
    /// <summary>Measures drift over every step the actions allow.</summary>
    /// <param name="reference">Model treated as ground truth.</param>
    /// <param name="candidate">Model compared against it (may live on another device or dtype).</param>
    /// <param name="images">Start frames [B, n, 3, H, W] in [0, 1].</param>
    /// <param name="proprio">Start proprio [B, n, p].</param>
    /// <param name="actions">Normalised actions [B, n − 1 + steps, ActionDim].</param>
    public static LatentDriftResult Measure(ILatentWorldModel reference, ILatentWorldModel candidate, Tensor images, Tensor proprio, Tensor actions)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(proprio);
        ArgumentNullException.ThrowIfNull(actions);
        long observed = images.shape[1];
        long steps = actions.shape[1] - observed + 1;
        if (steps < 1)
        {
            throw new ArgumentException($"Need at least {observed} actions for {observed} observed frames.", nameof(actions));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var referenceStart = reference.Encode(images.to(reference.DType, reference.Device), proprio.to(reference.DType, reference.Device));
        var candidateStart = candidate.Encode(images.to(candidate.DType, candidate.Device), proprio.to(candidate.DType, candidate.Device));
        var visual = new double[steps];
        var proprioDrift = new double[steps];
        for (long k = 1; k <= steps; k++)
        {
            using var step = NewDisposeScope();
            var prefix = actions.narrow(1, 0, observed - 1 + k);
            var r = reference.PredictFinal(referenceStart, prefix.to(reference.DType, reference.Device)).LastFrame();
            var c = candidate.PredictFinal(candidateStart, prefix.to(candidate.DType, candidate.Device)).LastFrame();
            visual[k - 1] = Mse(r.Visual, c.Visual);
            proprioDrift[k - 1] = Mse(r.Proprio, c.Proprio);
        }

        return new LatentDriftResult(visual, proprioDrift);
    }

    private static double Mse(Tensor a, Tensor b) =>
        (a.to(ScalarType.Float64, CPU) - b.to(ScalarType.Float64, CPU)).Pow(2).mean().item<double>();
}
