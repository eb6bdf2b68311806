using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>A weight quantization method applied to one Linear weight at a time (the caller walks the model).</summary>
public interface IWeightQuantMethod
{
    /// <summary>Short name recorded in reports and metadata ("rtn", "omse").</summary>
    string Name { get; }

    /// <summary>Quantizes <paramref name="weight"/> [N, K]; <paramref name="calibrationInputs"/> [..., K], when given, only feed the report's output MSE.</summary>
    WeightMethodResult Apply(string layer, Tensor weight, WeightQuantConfig config, Tensor? calibrationInputs = null);
}
