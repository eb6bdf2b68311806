using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Predictor;

/// <summary>
/// DINO-WM's frame-causal attention mask: a token of frame t sees every token of frames ≤ t
/// (bidirectional inside a frame). Without it planning collapses, so it is never optional in use.
/// </summary>
public static class FrameCausalMask
{
    /// <summary>Boolean [frames·patches, frames·patches] mask, true where attention is allowed.</summary>
    public static Tensor Build(long frames, long patchesPerFrame, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var frameOfToken = ScalarOps.Arange(frames, device: device).repeat_interleave(patchesPerFrame);
        var allowed = frameOfToken.unsqueeze(1) >= frameOfToken.unsqueeze(0);
        return allowed.MoveToOuterDisposeScope();
    }
}
