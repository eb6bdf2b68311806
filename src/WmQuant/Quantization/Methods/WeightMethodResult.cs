using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// A quantized layer: the fake-quant weight to evaluate with, the codes to pack (so the artifact reloads to
/// exactly <see cref="FakeQuantWeight"/>), and the report. Owns its tensors.
/// </summary>
/// <param name="FakeQuantWeight">Dequantized weight in the source weight's dtype (a copy of it when bypassed).</param>
/// <param name="Quantized">Codes and scales; null when the config is a 16-bit bypass.</param>
/// <param name="Report">Per-layer report.</param>
public sealed record WeightMethodResult(Tensor FakeQuantWeight, QuantizedWeight? Quantized, LayerQuantReport Report) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        FakeQuantWeight.Dispose();
        Quantized?.Dispose();
    }
}
