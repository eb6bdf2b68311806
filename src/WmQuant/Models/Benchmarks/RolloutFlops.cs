using WmQuant.Models.Config;

namespace WmQuant.Models.Benchmarks;

/// <summary>
/// Floating-point operations of the predictor as executed (multiply-add = 2): the dense attention
/// matmuls are counted in full, masked entries included, because that is what the kernels compute.
/// LayerNorm, softmax, GELU and the action embedding are left out (well under 1% at full size).
/// </summary>
public static class RolloutFlops
{
    /// <summary>FLOPs of one predictor forward over <paramref name="frames"/> frames for one batch entry.</summary>
    public static double PredictorCall(WorldModelConfig config, int frames)
    {
        ArgumentNullException.ThrowIfNull(config);
        double n = (double)frames * config.PatchesPerFrame;
        double d = config.TokenDim;
        double inner = (double)config.Predictor.Heads * config.Predictor.DimHead;
        double mlp = config.Predictor.MlpDim;
        var perLayer = (2 * n * d * 3 * inner) // to_qkv
            + (2 * 2 * n * n * inner)          // q·kᵀ and weights·v
            + (2 * n * inner * d)              // to_out
            + (2 * 2 * n * d * mlp);           // net.1 and net.4
        return perLayer * config.Predictor.Depth;
    }

    /// <summary>FLOPs of one <see cref="DinoWorldModel.Rollout"/> for one batch entry: one predictor call per predicted frame, each on the last num_hist frames.</summary>
    public static double Rollout(WorldModelConfig config, int observed, int horizon)
    {
        ArgumentNullException.ThrowIfNull(config);
        double total = 0;
        for (var frames = observed; frames <= horizon; frames++)
        {
            total += PredictorCall(config, Math.Min(frames, config.NumHist));
        }

        return total;
    }
}
