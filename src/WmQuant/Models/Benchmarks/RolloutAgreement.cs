using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Models.Benchmarks;

/// <summary>How far two models' rollouts of the same inputs are apart (e.g. bf16 on CUDA vs fp32 on CPU).</summary>
/// <param name="MaxAbsoluteError">Largest element difference over all rolled-out visual tokens.</param>
/// <param name="RelativeError">Mean absolute difference over mean absolute value of the reference, final frame.</param>
public sealed record RolloutAgreementResult(double MaxAbsoluteError, double RelativeError);

/// <summary>Runs one rollout on two models with identical seeded inputs and compares the results in fp32 on the CPU.</summary>
public static class RolloutAgreement
{
    /// <summary>Compares <paramref name="candidate"/> against <paramref name="reference"/>; both must have the same config and weights up to dtype.</summary>
    public static RolloutAgreementResult Compare(DinoWorldModel reference, DinoWorldModel candidate, int batch, int horizon, int observed = 1, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        using var scope = NewDisposeScope();
        var config = reference.Config;
        using var generator = new Generator((ulong)seed);
        var visual = randn([batch, observed, config.PatchesPerFrame, config.Encoder.Dim], generator: generator);
        var proprio = randn([batch, observed, config.ProprioEmbDim], generator: generator);
        var actions = randn([batch, horizon, config.ActionInputDim], generator: generator);

        Tensor Run(DinoWorldModel model) =>
            model.Rollout(new LatentObservation(visual, proprio), actions).Visual.to(ScalarType.Float32, CPU);

        var expected = Run(reference);
        var actual = Run(candidate);
        var difference = (actual - expected).abs();
        var final = difference[.., ^1].mean().item<float>() / expected[.., ^1].abs().mean().item<float>();
        return new RolloutAgreementResult(difference.max().item<float>(), final);
    }
}
