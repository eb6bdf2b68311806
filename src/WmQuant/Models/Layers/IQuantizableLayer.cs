using static TorchSharp.torch;

namespace WmQuant.Models.Layers;

/// <summary>
/// A layer whose computation is x·Wᵀ + b on the last dimension (a Linear, or a kernel-1 convolution used as one),
/// exposed so quantization can observe and transform its input and replace its weight without knowing the layer type.
/// </summary>
public interface IQuantizableLayer
{
    /// <summary>State-dict-style name in the owning world model; "{name}.weight" is the weight's state-dict key.</summary>
    string FullName { get; }

    /// <summary>Input width K.</summary>
    long InFeatures { get; }

    /// <summary>Output width N.</summary>
    long OutFeatures { get; }

    /// <summary>The weight as a matrix [N, K] (a view of the stored parameter, whatever its shape).</summary>
    Tensor WeightMatrix { get; }

    /// <summary>Applied to the input before the matmul, e.g. activation fake-quant; null leaves the input alone.</summary>
    Func<Tensor, Tensor>? InputTransform { get; set; }

    /// <summary>Sees every input (before <see cref="InputTransform"/>) with this layer's <see cref="FullName"/>, for calibration.</summary>
    Action<string, Tensor>? InputObserver { get; set; }

    /// <summary>Overwrites the weight in place from a matrix [N, K], keeping device, dtype and stored shape.</summary>
    void SetWeight(Tensor values);
}
