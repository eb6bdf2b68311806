using WmQuant.IO.Safetensors;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class PackedArtifactRoundTripTests
{
    [TestCase(4, WeightGranularity.PerGroup, true)]
    [TestCase(3, WeightGranularity.PerGroup, false)]
    [TestCase(6, WeightGranularity.PerChannel, true)]
    [TestCase(5, WeightGranularity.PerTensor, false)]
    public void A_safetensors_file_reloads_the_evaluated_fake_quant_weight_bit_for_bit(int bits, WeightGranularity granularity, bool symmetric)
    {
        using var scope = NewDisposeScope();
        string folder = Path.Combine(Path.GetTempPath(), "wmq-quant-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var config = new WeightQuantConfig(bits, granularity, 128, symmetric);
            var w = QuantTestData.WithOutliers(48, 404, bits).to_type(ScalarType.BFloat16);
            using var result = new OmseWeightMethod().Apply("predictor.transformer.layers.0.0.to_qkv", w, config);
            using var packed = WeightPacker.Pack(result.Quantized!);
            string path = Path.Combine(folder, "model.safetensors");
            SafetensorsTorch.Save(path, packed.ToTensors("predictor.transformer.layers.0.0.to_qkv"));

            var loaded = SafetensorsTorch.Load(path);
            using var reread = PackedLinearWeight.FromTensors(loaded, "predictor.transformer.layers.0.0.to_qkv", config);
            using var unpacked = WeightPacker.Unpack(reread, ScalarType.BFloat16);
            Assert.That(QuantTestData.Same(WeightQuantizer.Dequantize(unpacked), result.FakeQuantWeight), Is.True);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
