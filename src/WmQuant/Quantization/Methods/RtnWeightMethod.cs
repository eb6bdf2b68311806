using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>Round-to-nearest over each group's full range: the baseline every other method is measured against.</summary>
public sealed class RtnWeightMethod : IWeightQuantMethod
{
    /// <inheritdoc/>
    public string Name => "rtn";

    /// <inheritdoc/>
    public WeightMethodResult Apply(string layer, Tensor weight, WeightQuantConfig config, Tensor? calibrationInputs = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        QuantizedWeight? quantized = config.IsBypass ? null : WeightQuantizer.Quantize(weight, config);
        var fake = quantized is null ? weight.clone() : WeightQuantizer.Dequantize(quantized);
        var report = QuantErrorMetrics.Report(layer, Name, config, weight, fake, quantized, calibrationInputs, grid: null, meanClipRatio: 1);
        quantized?.MoveToOuterDisposeScope();
        return new WeightMethodResult(fake.MoveToOuterDisposeScope(), quantized, report);
    }
}
