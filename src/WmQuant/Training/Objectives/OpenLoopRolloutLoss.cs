using WmQuant.Models;
using static TorchSharp.torch;

namespace WmQuant.Training.Objectives;

/// <summary>
/// Multi-step prediction loss that mirrors the planner's rollout (<see cref="DinoWorldModel.Rollout"/>): from a window's
/// first frame the predictor sees its own predictions, never the encoded real frames, so it is trained on the errors
/// a planner compounds over a horizon. Teacher forcing alone (upstream) only ever trains one step from real inputs.
/// </summary>
public static class OpenLoopRolloutLoss
{
    /// <summary>
    /// Rolls out <paramref name="steps"/> model steps from frame 0 of <paramref name="tokens"/> [B, F, P, Dtot]
    /// (F > steps): each step predicts from the last num_hist frames, keeps the predicted visual and proprio channels
    /// and writes in the true action channels of that frame, as the planner does. Returns the mean over the steps of
    /// the MSE between each predicted frame's visual + proprio channels and the real frame's (targets detached).
    /// </summary>
    public static Tensor Compute(DinoWorldModel model, Tensor tokens, int steps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (tokens.shape[1] <= steps)
        {
            throw new ArgumentException($"a {steps}-step rollout needs {steps + 1} frames; the tokens hold {tokens.shape[1]}", nameof(tokens));
        }

        var config = model.Config;
        var observed = config.Encoder.Dim + config.ProprioTokenDim;
        var frames = new List<Tensor> { tokens[.., 0..1] };
        Tensor? sum = null;
        for (var s = 1; s <= steps; s++)
        {
            var next = model.PredictNext(DinoWorldModel.Window(frames, config.NumHist))[.., ^1..];
            var real = tokens[.., s..(s + 1)];
            var stepLoss = nn.functional.mse_loss(next[.., .., .., ..observed], real[.., .., .., ..observed].detach());
            sum = sum is null ? stepLoss : sum + stepLoss;
            frames.Add(cat([next[.., .., .., ..observed], real[.., .., .., observed..]], 3));
        }

        return sum! / steps;
    }
}
