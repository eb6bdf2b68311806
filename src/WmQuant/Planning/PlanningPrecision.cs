using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Planning;

/// <summary>
/// The arithmetic planning runs in: the evaluated model's weights and activations, and CUDA's matmul mode. Results of
/// different precisions are different measurements, so records carry it and paired gates compare only alike ones.
/// </summary>
public enum PlanningPrecision
{
    /// <summary>Strict float32 everywhere (the default; the only one a CPU offers).</summary>
    [JsonStringEnumMemberName("fp32")]
    Fp32,

    /// <summary>float32 weights with TF32 tensor-core matmuls (10-bit mantissa products) on CUDA.</summary>
    [JsonStringEnumMemberName("tf32")]
    Tf32,

    /// <summary>bfloat16 weights and activations on CUDA (TorchSharp has no autocast: the model is cast).</summary>
    [JsonStringEnumMemberName("bf16")]
    Bf16,
}

/// <summary>What a precision means for a model and the CUDA backend.</summary>
public static class PlanningPrecisions
{
    /// <summary>The dtype the evaluated model is cast to.</summary>
    public static ScalarType ModelDtype(this PlanningPrecision precision) =>
        precision == PlanningPrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>Why the precision cannot run on <paramref name="device"/>, or null when it can (tf32 and bf16 need CUDA).</summary>
    public static string? Problem(this PlanningPrecision precision, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return precision != PlanningPrecision.Fp32 && device.type != DeviceType.CUDA
            ? $"evaluation.precision {Naming.Names.Of(precision)} needs a CUDA device, and this run is on {device}; use fp32 on a CPU agent"
            : null;
    }

    /// <summary>Sets CUDA's matmul mode for the precision until the returned scope is disposed (then restores it).</summary>
    public static IDisposable Enter(this PlanningPrecision precision, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.type != DeviceType.CUDA)
        {
            return NoScope.Instance;
        }

        bool matmul = torch.backends.cuda.matmul.allow_tf32;
        bool cudnn = torch.backends.cudnn.allow_tf32;
        torch.backends.cuda.matmul.allow_tf32 = precision == PlanningPrecision.Tf32;
        torch.backends.cudnn.allow_tf32 = precision == PlanningPrecision.Tf32;
        return new Restore(() =>
        {
            torch.backends.cuda.matmul.allow_tf32 = matmul;
            torch.backends.cudnn.allow_tf32 = cudnn;
        });
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();

        public void Dispose()
        {
        }
    }
}
