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
            SafetensorsTorch.Save(path, packed.ToTensors("predictor.transformer.layers.0.0.to_qkv"), QuantizationMetadata.ToMetadata(config));

            var loaded = SafetensorsTorch.Load(path);
            using var file = SafetensorsFile.Open(path);
            var reloadedConfig = QuantizationMetadata.TryParse(file.Metadata, "quantization", out string? error);
            Assert.That(error, Is.Null);
            Assert.That(reloadedConfig, Is.EqualTo(config));
            using var reread = PackedLinearWeight.FromTensors(loaded, "predictor.transformer.layers.0.0.to_qkv", reloadedConfig!);
            using var unpacked = WeightPacker.Unpack(reread, ScalarType.BFloat16);
            Assert.That(QuantTestData.Same(WeightQuantizer.Dequantize(unpacked), result.FakeQuantWeight), Is.True);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Metadata_problems_name_the_entry()
    {
        var metadata = QuantizationMetadata.ToMetadata(new WeightQuantConfig(4, WeightGranularity.PerGroup), "encoder");
        metadata["encoder.bits"] = "9";
        Assert.That(QuantizationMetadata.TryParse(metadata, "encoder", out string? error), Is.Null);
        Assert.That(error, Does.Contain("encoder.bits"));
        metadata.Remove("encoder.granularity");
        QuantizationMetadata.TryParse(metadata, "encoder", out error);
        Assert.That(error, Does.Contain("encoder.granularity is missing"));
    }
}
