using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WmQuant.Models.Layers;

/// <summary>
/// A Linear layer (weight [out,in], optional bias, forward = x·Wᵀ + b) that quantization can
/// reach into without the model knowing about quantization: calibration observes its inputs,
/// activation fake-quant transforms them, and weight fake-quant or packed weights replace
/// its weight data in place.
/// </summary>
public sealed class QuantizableLinear : nn.Module<Tensor, Tensor>, IQuantizableLayer
{
#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private Parameter weight;
    private Parameter? bias;
#pragma warning restore IDE1006

    /// <summary>Creates a zero-initialised layer; the owner initialises or loads the values.</summary>
    public QuantizableLinear(long inFeatures, long outFeatures, bool hasBias = true) : base(nameof(QuantizableLinear))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = nn.Parameter(zeros(outFeatures, inFeatures));
        bias = hasBias ? nn.Parameter(zeros(outFeatures)) : null;
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>State-dict-style name in the owning world model (e.g. "predictor.transformer.layers.0.0.to_qkv"); set by the model.</summary>
    public string FullName { get; internal set; } = string.Empty;

    /// <summary>Applied to the input before the matmul, e.g. activation fake-quant; null leaves the input alone.</summary>
    public Func<Tensor, Tensor>? InputTransform { get; set; }

    /// <summary>Sees every input (before <see cref="InputTransform"/>) with this layer's <see cref="FullName"/>, for calibration.</summary>
    public Action<string, Tensor>? InputObserver { get; set; }

    /// <summary>Whether half-precision products on CUDA are zero-padded to aligned widths (<see cref="TensorCorePadding"/>); on by default, off only to measure the difference.</summary>
    public bool PadForTensorCores { get; set; } = true;

    /// <summary>The weight [out, in].</summary>
    public Parameter Weight => weight;

    /// <inheritdoc />
    public Tensor WeightMatrix => weight;

    /// <summary>The bias [out], or null for bias-free layers such as the predictor's to_qkv.</summary>
    public Parameter? Bias => bias;

    /// <summary>Overwrites the weight values in place (same shape), keeping device and dtype: how fake-quant or packed weights are applied.</summary>
    public void SetWeight(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!values.shape.SequenceEqual(weight.shape))
        {
            throw new ArgumentException($"weight of {FullName} has shape [{string.Join(",", weight.shape)}], got [{string.Join(",", values.shape)}]", nameof(values));
        }

        using var noGrad = no_grad();
        weight.copy_(values);
    }

    /// <summary>Overwrites the bias values in place (same shape); used when scales are folded into a layer.</summary>
    public void SetBias(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (bias is null)
        {
            throw new InvalidOperationException($"{FullName} has no bias");
        }

        using var noGrad = no_grad();
        bias.copy_(values);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        InputObserver?.Invoke(FullName, input);
        var x = InputTransform is null ? input : InputTransform(input);
        return PadForTensorCores ? TensorCorePadding.Linear(x, weight, bias) : nn.functional.linear(x, weight, bias);
    }
}
