using FsCheck;
using FsCheck.Fluent;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class WeightPackerTests
{
    private sealed record Case(int Bits, WeightGranularity Granularity, int GroupSize, bool Symmetric, ScaleStorage Storage, int Rows, int Columns, int Seed);

    private static readonly Gen<Case> Cases =
        from bits in Gen.Choose(2, 8)
        from granularity in Gen.Elements(WeightGranularity.PerTensor, WeightGranularity.PerChannel, WeightGranularity.PerGroup)
        from groupSize in Gen.Elements(7, 32, 128)
        from symmetric in Gen.Elements(true, false)
        from storage in Gen.Elements(ScaleStorage.Float16, ScaleStorage.Float32)
        from rows in Gen.Choose(1, 6)
        from columns in Gen.Choose(1, 333)
        from seed in Gen.Choose(0, 100_000)
        select new Case(bits, granularity, groupSize, symmetric, storage, rows, columns, seed);

    [Test]
    public void Pack_then_unpack_is_the_identity_and_reloads_the_fake_quant_weight_bit_for_bit()
    {
        var property = Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var config = new WeightQuantConfig(c.Bits, c.Granularity, c.GroupSize, c.Symmetric, c.Storage);
            var w = QuantTestData.HeavyTailed(c.Rows, c.Columns, c.Seed);
            using var q = WeightQuantizer.Quantize(w, config);
            using var packed = WeightPacker.Pack(q);
            // Through the artifact dictionary form, as a reload from disk would go.
            using var reread = PackedLinearWeight.FromTensors(packed.ToTensors("blocks.0.attn.qkv"), "blocks.0.attn.qkv", config);
            using var back = WeightPacker.Unpack(reread);
            bool wordsOk = packed.WeightPacked.shape.SequenceEqual(new long[] { c.Rows, ((c.Columns * c.Bits) + 31) / 32 });
            bool same = QuantTestData.Same(back.Codes, q.Codes)
                && QuantTestData.Same(back.Scales, q.Scales)
                && (q.ZeroPoints is null ? back.ZeroPoints is null : QuantTestData.Same(back.ZeroPoints!, q.ZeroPoints))
                && QuantTestData.Same(WeightQuantizer.Dequantize(back), WeightQuantizer.FakeQuantize(w, config));
            return (wordsOk && same).Label(c.ToString());
        });
        QuantTestData.Check(property, maxTests: 120, seed: 11);
    }

    [Test]
    public void Four_bit_codes_pack_eight_per_word_lowest_bits_first()
    {
        using var scope = NewDisposeScope();
        // Symmetric 4-bit codes −7..7 are stored as q + 8; use stored values 1..9 (q = −7..1).
        var codes = tensor(new[] { -7, -6, -5, -4, -3, -2, -1, 0, 1 }, 1, 9).to_type(ScalarType.Int32);
        using var q = new QuantizedWeight(codes, ones(1, 1), null, new WeightQuantConfig(4, WeightGranularity.PerTensor), ScalarType.Float32);
        using var packed = WeightPacker.Pack(q);
        var words = packed.WeightPacked.data<int>().ToArray();
        Assert.That(words, Is.EqualTo(new[] { unchecked((int)0x87654321u), 9 }));
    }

    [Test]
    public void Three_bit_codes_straddle_word_boundaries_as_documented()
    {
        using var scope = NewDisposeScope();
        // Asymmetric 3-bit codes stored as is. 11 codes of 7 (all ones) then one code 5 (binary 101):
        // bits 0..32 are ones; value 10 spans bits 30..32 (two bits in word 0, one in word 1); value 11 = 5 at bits 33..35.
        var values = Enumerable.Repeat(7, 11).Append(5).ToArray();
        var codes = tensor(values, 1, 12).to_type(ScalarType.Int32);
        var config = new WeightQuantConfig(3, WeightGranularity.PerChannel, symmetric: false);
        using var q = new QuantizedWeight(codes, ones(1, 1), zeros(1, 1, ScalarType.Int32), config, ScalarType.Float32);
        using var packed = WeightPacker.Pack(q);
        var words = packed.WeightPacked.data<int>().ToArray();
        Assert.That(words, Is.EqualTo(new[] { -1, 0b1011 }));
        using var back = WeightPacker.Unpack(packed);
        Assert.That(back.Codes.data<int>().ToArray(), Is.EqualTo(values));
    }

    [TestCase(384, 1536)]
    [TestCase(2048, 404)]
    public void W4_g128_costs_at_most_4_3_bits_per_weight_with_fp16_scales(int rows, int columns)
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(rows, columns, 1);
        using var q = WeightQuantizer.Quantize(w, new WeightQuantConfig(4, WeightGranularity.PerGroup, 128));
        using var packed = WeightPacker.Pack(q);
        double bits = packed.EffectiveBitsPerWeight;
        TestContext.Out.WriteLine($"W4 g128 sym fp16 scales, {rows}x{columns}: {bits:F4} bits/weight");
        long groups = (columns + 127) / 128;
        long words = ((columns * 4L) + 31) / 32;
        Assert.That(bits, Is.EqualTo(((words * 32.0) + (groups * 16.0)) / columns).Within(1e-12));
        Assert.That(bits, Is.LessThanOrEqualTo(4.3));
    }

    [Test]
    public void Reading_tensors_that_contradict_the_config_names_the_tensor()
    {
        using var scope = NewDisposeScope();
        var config = new WeightQuantConfig(4, WeightGranularity.PerGroup, 32);
        using var q = WeightQuantizer.Quantize(QuantTestData.HeavyTailed(4, 64, 2), config);
        using var packed = WeightPacker.Pack(q);
        var tensors = packed.ToTensors("fc1");
        var wrongBits = Assert.Throws<InvalidDataException>(() => PackedLinearWeight.FromTensors(tensors, "fc1", config with { Bits = 3 }));
        Assert.That(wrongBits!.Message, Does.Contain("fc1.weight_packed"));
        var missing = new Dictionary<string, Tensor>(tensors);
        missing.Remove("fc1.weight_scale");
        var noScale = Assert.Throws<InvalidDataException>(() => PackedLinearWeight.FromTensors(missing, "fc1", config));
        Assert.That(noScale!.Message, Does.Contain("fc1.weight_scale"));
        Assert.Throws<InvalidDataException>(() => PackedLinearWeight.FromTensors(tensors, "fc1", config with { Symmetric = false }));
    }
}
