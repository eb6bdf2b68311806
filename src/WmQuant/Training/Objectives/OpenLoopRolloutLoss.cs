using WmQuant.Models;
using WmQuant.Runtime;
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
    /// (F > steps) through the planner's own loop (<see cref="DinoWorldModel.RollForward"/>): each step predicts from the
    /// last num_hist frames, keeps the predicted visual and proprio channels and takes the true action channels of that
    /// frame. Returns the mean over the steps of the MSE between each predicted frame's visual + proprio channels and
    /// the real frame's (targets detached).
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
        var frames = model.RollForward([tokens[.., 0..1]], steps, t => tokens[.., (int)t..(int)(t + 1), .., observed..], keepAll: true);
        Tensor? sum = null;
        for (var s = 1; s <= steps; s++)
        {
            var stepLoss = nn.functional.mse_loss(frames[s][.., .., .., ..observed], tokens[.., s..(s + 1), .., ..observed].detach());
            sum = sum is null ? stepLoss : sum.Add(stepLoss);
        }

        return sum!.Div(steps);
    }
}
