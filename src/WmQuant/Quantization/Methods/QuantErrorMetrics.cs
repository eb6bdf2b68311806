using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>Error measures shared by the methods' reports.</summary>
public static class QuantErrorMetrics
{
    /// <summary>Mean over elements of (W − Ŵ)², accumulated in float64.</summary>
    public static double WeightMse(Tensor weight, Tensor fakeQuantWeight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(fakeQuantWeight);
        using var scope = NewDisposeScope();
        var diff = weight.to_type(ScalarType.Float64) - fakeQuantWeight.to_type(ScalarType.Float64);
        return diff.Pow(2).mean().item<double>();
    }

    /// <summary>
    /// ‖XWᵀ − XŴᵀ‖²_F / n for tokens X [..., K] (n = number of tokens), computed as ‖X(W − Ŵ)ᵀ‖² in float32
    /// matmul with a float64 sum; no bias, as a bias cancels in the difference.
    /// </summary>
    public static double OutputMse(Tensor inputs, Tensor weight, Tensor fakeQuantWeight) => OutputMse(inputs, weight, fakeQuantWeight, null);

    /// <summary>
    /// ‖XWᵀ − Q(X)Ŵᵀ‖²_F / n: the output error of a layer whose weight and input are both quantized
    /// (<paramref name="inputQuantizer"/> is Q; null means the input stays in float, which gives the form above).
    /// </summary>
    public static double OutputMse(Tensor inputs, Tensor weight, Tensor fakeQuantWeight, Func<Tensor, Tensor>? inputQuantizer)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(fakeQuantWeight);
        using var scope = NewDisposeScope();
        long channels = weight.shape[1];
        var tokens = inputs.reshape(-1, channels).to(weight.device).to_type(ScalarType.Float32);
        if (tokens.shape[0] == 0)
        {
            return 0;
        }

        var w = weight.to_type(ScalarType.Float32);
        var wq = fakeQuantWeight.to_type(ScalarType.Float32);
        var outputError = inputQuantizer is null
            ? tokens.matmul((w - wq).t())
            : tokens.matmul(w.t()) - inputQuantizer(tokens).matmul(wq.t());
        return outputError.to_type(ScalarType.Float64).Pow(2).sum().item<double>() / tokens.shape[0];
    }

    /// <summary>
    /// ‖XWᵀ − Q(X)Ŵᵀ‖²_F / ‖XWᵀ‖²_F: the layer's output error relative to its output, the number that compares layers of
    /// any width and methods in any basis; null without tokens or when the output is all zero.
    /// </summary>
    public static double? RelativeOutputError(Tensor? inputs, Tensor weight, Tensor fakeQuantWeight, Func<Tensor, Tensor>? inputQuantizer = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (inputs is null || inputs.numel() == 0)
        {
            return null;
        }

        double output = OutputMse(inputs, weight, zeros_like(weight));
        return output > 0 ? OutputMse(inputs, weight, fakeQuantWeight, inputQuantizer) / output : null;
    }

    /// <summary>Builds a report from a finished quantization.</summary>
    internal static LayerQuantReport Report(string layer, string method, WeightQuantConfig config, Tensor weight, Tensor fakeQuant, QuantizedWeight? quantized, Tensor? calibrationInputs, string? grid, double meanClipRatio)
    {
        double min = 0, mean = 0, max = 0;
        if (quantized is not null)
        {
            min = quantized.Scales.min().item<float>();
            mean = quantized.Scales.to_type(ScalarType.Float64).mean().item<double>();
            max = quantized.Scales.max().item<float>();
        }

        return new LayerQuantReport(
            layer,
            method,
            config.Bits,
            config.Granularity,
            config.GroupSize,
            config.Symmetric,
            min,
            mean,
            max,
            WeightMse(weight, fakeQuant),
            calibrationInputs is null || calibrationInputs.numel() == 0 ? null : OutputMse(calibrationInputs, weight, fakeQuant),
            grid,
            meanClipRatio)
        {
            RelativeOutputError = RelativeOutputError(calibrationInputs, weight, fakeQuant),
        };
    }
}
