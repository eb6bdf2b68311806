using System.Text.Json.Serialization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Naming;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Benchmarks;

/// <summary>The number formats a benchmark times a model in; the names are the ones users write (<c>--dtype</c>).</summary>
public enum BenchPrecision
{
    /// <summary>fp32 weights and matmuls.</summary>
    [JsonStringEnumMemberName("fp32")]
    Float32,

    /// <summary>bf16 weights and activations (cast explicitly: TorchSharp has no autocast).</summary>
    [JsonStringEnumMemberName("bf16")]
    BFloat16,

    /// <summary>fp32 weights with TF32 tensor-core matmuls on CUDA.</summary>
    [JsonStringEnumMemberName("tf32")]
    Tf32,
}

/// <summary>What a <see cref="BenchPrecision"/> means for the weights and the runtime.</summary>
public static class BenchPrecisions
{
    /// <summary>The dtype the model's weights are cast to.</summary>
    public static ScalarType WeightType(this BenchPrecision precision) =>
        precision == BenchPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>
    /// The precision's name as a benchmark prints it for <paramref name="device"/>: TF32 is a CUDA matmul mode, so on
    /// a CPU the name says that fp32 is what gets timed (a CPU agent's tf32 figure is not a TF32 figure).
    /// </summary>
    public static string Describe(this BenchPrecision precision, TorchSharp.DeviceType device) =>
        precision == BenchPrecision.Tf32 && device != TorchSharp.DeviceType.CUDA
            ? "tf32 (a CUDA matmul mode: on this device the matmuls run in fp32)"
            : Names.Of(precision);

    /// <summary>Runtime options for timing: TF32 when asked, and the fastest kernels rather than reproducible ones.</summary>
    public static TorchRuntimeOptions Runtime(this BenchPrecision precision, TorchRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { AllowTf32 = precision == BenchPrecision.Tf32, Deterministic = false };
    }
}

/// <summary>
/// Which inference paths a timed model takes, so the earlier paths can be timed against the defaults: the incremental
/// predictor (cached growing window) and tensor-core padding of half-precision CUDA matmuls; and whether libtorch may
/// fall back to its unfused (math) attention on CUDA, to find out whether the default path gets the fused kernels.
/// </summary>
/// <param name="Incremental">Incremental predictor inference (off: the masked full pass over every window frame).</param>
/// <param name="TensorCorePadding">Pad half-precision CUDA matmuls to tensor-core widths.</param>
/// <param name="MathAttention">
/// Let scaled-dot-product attention on CUDA use the unfused math kernel (off: only the flash or memory-efficient
/// kernels may run it, and a call they cannot take fails). libtorch's switch is process-wide; CPUs ignore it.
/// </param>
public sealed record InferencePaths(bool Incremental = true, bool TensorCorePadding = true, bool MathAttention = true)
{
    /// <summary>Sets the model's paths (and, on CUDA, libtorch's math-attention switch).</summary>
    public void Apply(DinoWorldModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Predictor.IncrementalInference = Incremental;
        model.PadForTensorCores = TensorCorePadding;
        if (model.Device.type == TorchSharp.DeviceType.CUDA)
        {
            backends.cuda.enable_math_sdp(MathAttention);
        }
    }

    /// <summary>
    /// The WMQ3301 error for <paramref name="exception"/> when it is libtorch finding no fused kernel for an attention
    /// call after <see cref="MathAttention"/> turned the unfused one off, which is what the switch is there to find
    /// out; null for anything else.
    /// </summary>
    public Diagnostic? FusedAttentionRefusal(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (MathAttention || !exception.Message.Contains("No available kernel", StringComparison.Ordinal))
        {
            return null;
        }

        return Diagnostic.Error(
            DiagnosticCodes.StageFailed,
            $"no fused attention kernel takes this model's attention with the math kernel off ({NativeMessage.FirstLine(exception.Message)})",
            hint: "so the default path runs this attention unfused; drop --no-math-attention to time it");
    }
}
