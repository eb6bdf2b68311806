using TorchSharp;
using WmQuant.Models.Diagnostics;
using static TorchSharp.torch;

namespace WmQuant.Models.Layers;

/// <summary>
/// Zero-pads the widths of a half-precision matmul on CUDA so each row is a whole number of 16-byte vectors.
/// DINO-WM's predictor tokens are 404 wide (384 visual + 10 proprio + 10 action), 808 bytes in bf16, which keeps
/// cuBLAS off its fast tensor-core kernels: a 300-sample rollout of the full-size model took 214 ms at width 404
/// and 147 ms at 408 on an H100 (build/measurements/README.md). Padding the contraction with zero columns and the
/// output with zero rows (then slicing them off) leaves every value of the product as it was, up to summation order.
/// </summary>
public static class TensorCorePadding
{
    /// <summary>Row length, in bytes, that the fast kernels want rows to be a multiple of.</summary>
    public const int RowAlignmentBytes = 16;

    /// <summary>Whether a <paramref name="width"/>-wide row of <paramref name="dtype"/> on <paramref name="device"/> gets padded.</summary>
    public static bool Applies(DeviceType device, ScalarType dtype, long width) =>
        device == DeviceType.CUDA && dtype is ScalarType.BFloat16 or ScalarType.Float16 && PaddedWidth(width, 2) != width;

    /// <summary>The smallest width ≥ <paramref name="width"/> whose rows of <paramref name="elementBytes"/>-byte elements are aligned.</summary>
    public static long PaddedWidth(long width, int elementBytes)
    {
        var multiple = RowAlignmentBytes / elementBytes;
        return (width + multiple - 1) / multiple * multiple;
    }

    /// <summary>
    /// x·Wᵀ + b (as <c>nn.functional.linear</c>), padded when <see cref="Applies"/> says the input or output width
    /// needs it; otherwise the plain call.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var (outputs, inputs) = (weight.shape[0], weight.shape[1]);
        var type = input.device_type;
        return Applies(type, input.dtype, inputs) || Applies(type, input.dtype, outputs)
            ? PaddedLinear(input, weight, bias, PaddedWidth(inputs, 2), PaddedWidth(outputs, 2))
            : nn.functional.linear(input, weight, bias);
    }

    /// <summary>The padded product for any device and widths ≥ the weight's (exposed so CPU tests can check the algebra).</summary>
    public static Tensor PaddedLinear(Tensor input, Tensor weight, Tensor? bias, long paddedInputs, long paddedOutputs)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var (outputs, inputs) = (weight.shape[0], weight.shape[1]);
        if (paddedInputs < inputs || paddedOutputs < outputs)
        {
            throw new ArgumentException($"padded widths {paddedInputs}×{paddedOutputs} are smaller than the weight's {inputs}×{outputs}");
        }

        using var scope = NewDisposeScope();
        var x = paddedInputs > inputs ? PhaseProfile.Time("tensor-core padding", () => nn.functional.pad(input, [0, paddedInputs - inputs])) : input;
        var w = PhaseProfile.Time("tensor-core padding", () => nn.functional.pad(weight, [0, paddedInputs - inputs, 0, paddedOutputs - outputs]));
        var b = bias is null || paddedOutputs == outputs ? bias : nn.functional.pad(bias, [0, paddedOutputs - outputs]);
        var y = nn.functional.linear(x, w, b);
        return (paddedOutputs > outputs ? y.narrow(-1, 0, outputs) : y).MoveToOuterDisposeScope();
    }
}
