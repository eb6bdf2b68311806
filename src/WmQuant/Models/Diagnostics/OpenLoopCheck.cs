using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Diagnostics;

/// <summary>
/// Error of open-loop prediction, step by step, next to the "nothing moves" baseline that copies the last
/// observed frame. A world model that does not beat copying the last frame at every step has learned
/// nothing about the actions; one that does is at least not trivial.
/// </summary>
/// <param name="Steps">Predicted steps, 1…K.</param>
/// <param name="ModelVisualMse">Per step, mean over episodes of the visual latent MSE between prediction and the real frame's latent.</param>
/// <param name="CopyLastVisualMse">Per step, the same for the last observed frame's latent used as the prediction.</param>
/// <param name="ModelProprioMse">Per step, the proprio-embedding MSE of the prediction.</param>
/// <param name="CopyLastProprioMse">Per step, the proprio-embedding MSE of the copy-last baseline.</param>
/// <param name="Episodes">Episodes averaged.</param>
public sealed record OpenLoopReport(
    int[] Steps,
    double[] ModelVisualMse,
    double[] CopyLastVisualMse,
    double[] ModelProprioMse,
    double[] CopyLastProprioMse,
    int Episodes)
{
    /// <summary>Per step, model error over baseline error (below 1: the model beats copying the last frame).</summary>
    public double[] VisualRatio => [.. ModelVisualMse.Zip(CopyLastVisualMse, (m, c) => c > 0 ? m / c : double.NaN)];
}

/// <summary>Runs the open-loop check on recorded sequences (the caller rolls out environments; models know none).</summary>
public static class OpenLoopCheck
{
    /// <summary>
    /// Encodes every real frame, predicts open loop from the first num_hist frames with the recorded actions,
    /// and compares the predicted latents with the real ones step by step.
    /// </summary>
    /// <param name="model">The world model (evaluated in its own device and dtype).</param>
    /// <param name="frames">Real frames [B, T, 3, S, S] in [0, 1], T = num_hist + K.</param>
    /// <param name="proprio">Normalised proprio [B, T, proprio_dim].</param>
    /// <param name="actions">Normalised model actions [B, T − 1, action_dim·frameskip]: action t leads from frame t to t + 1.</param>
    /// <returns>The report and the predicted visual latents [B, K, P, D] (for decoding), on the model's device.</returns>
    public static (OpenLoopReport Report, Tensor PredictedVisual) Run(DinoWorldModel model, Tensor frames, Tensor proprio, Tensor actions)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(proprio);
        ArgumentNullException.ThrowIfNull(actions);
        var n = model.Config.NumHist;
        var b = frames.shape[0];
        var t = frames.shape[1];
        var k = t - n;
        if (k < 1 || actions.shape[1] != t - 1 || proprio.shape[1] != t)
        {
            throw new ArgumentException($"need T = num_hist ({n}) + K frames with T − 1 actions and T proprio rows; got {t} frames, {actions.shape[1]} actions, {proprio.shape[1]} proprio rows");
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var real = model.EncodeObservations(frames, proprio);
        var start = new LatentObservation(real.Visual[.., ..n], real.Proprio[.., ..n]);
        var rolled = model.Rollout(start, actions.to(model.Dtype, model.Device));
        var predicted = rolled.SliceFrames(n, t);
        var truth = real.SliceFrames(n, t);
        var last = real.SliceFrames(n - 1, n);
        var modelVisual = PerStep(predicted.Visual, truth.Visual);
        var copyVisual = PerStep(last.Visual.expand_as(truth.Visual), truth.Visual);
        var modelProprio = PerStep(predicted.Proprio, truth.Proprio);
        var copyProprio = PerStep(last.Proprio.expand_as(truth.Proprio), truth.Proprio);
        var report = new OpenLoopReport([.. Enumerable.Range(1, (int)k)], modelVisual, copyVisual, modelProprio, copyProprio, (int)b);
        return (report, predicted.Visual.MoveToOuterDisposeScope());
    }

    private static double[] PerStep(Tensor prediction, Tensor truth)
    {
        var dims = Enumerable.Range(2, (int)truth.dim() - 2).Select(d => (long)d).ToArray();
        var perEpisodeStep = (prediction - truth).Pow(2).mean(dims);
        return [.. perEpisodeStep.mean([0]).to_type(ScalarType.Float64).cpu().data<double>()];
    }
}
