using FsCheck;
using FsCheck.Fluent;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
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
        from rows in Gen.Choose(1, 19)
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
            int perWord = 32 / c.Bits;
            bool wordsOk = packed.WeightPacked.shape.SequenceEqual(new long[] { c.Rows, (c.Columns + perWord - 1) / perWord });
            long groups = config.GroupsPerRow(c.Columns);
            long[]? zeroShape = c.Symmetric ? null : c.Granularity == WeightGranularity.PerTensor ? [1] : [(c.Rows + perWord - 1) / perWord, groups];
            bool zeroOk = zeroShape is null ? packed.WeightZeroPoint is null : packed.WeightZeroPoint!.shape.SequenceEqual(zeroShape);
            bool same = QuantTestData.Same(back.Codes, q.Codes)
                && QuantTestData.Same(back.Scales, q.Scales)
                && (q.ZeroPoints is null ? back.ZeroPoints is null : QuantTestData.Same(back.ZeroPoints!, q.ZeroPoints))
                && QuantTestData.Same(WeightQuantizer.Dequantize(back), WeightQuantizer.FakeQuantize(w, config));
            return (wordsOk && zeroOk && same).Label(c.ToString());
        });
        QuantTestData.Check(property, maxTests: 150, seed: 11);
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
    public void Three_bit_codes_pack_ten_per_word_and_never_straddle_a_word()
    {
        using var scope = NewDisposeScope();
        // Asymmetric 3-bit codes are stored as they are. Ten codes of 7 fill bits 0..29 of word 0 (bits 30 and 31 stay
        // zero); code 10 (7) and code 11 (5 = 101b) start word 1 at bits 0..2 and 3..5.
        var values = Enumerable.Repeat(7, 11).Append(5).ToArray();
        var codes = tensor(values, 1, 12).to_type(ScalarType.Int32);
        var config = new WeightQuantConfig(3, WeightGranularity.PerChannel, symmetric: false);
        using var q = new QuantizedWeight(codes, ones(1, 1), zeros(1, 1, ScalarType.Int32), config, ScalarType.Float32);
        using var packed = WeightPacker.Pack(q);
        var words = packed.WeightPacked.data<int>().ToArray();
        Assert.That(words, Is.EqualTo(new[] { 0x3FFFFFFF, 0b101_111 }));
        using var back = WeightPacker.Unpack(packed);
        Assert.That(back.Codes.data<int>().ToArray(), Is.EqualTo(values));
    }

    [TestCase(2, 16)]
    [TestCase(3, 10)]
    [TestCase(4, 8)]
    [TestCase(5, 6)]
    [TestCase(6, 5)]
    [TestCase(7, 4)]
    [TestCase(8, 4)]
    public void Every_bit_width_puts_floor_32_over_b_codes_in_a_word(int bits, int perWord)
    {
        using var scope = NewDisposeScope();
        // 2·f + 1 codes of all ones: two full words (f·b low bits set) and one code in the third word.
        int columns = (2 * perWord) + 1;
        var codes = ScalarOps.Full([1, columns], (1 << bits) - 1, ScalarType.Int32);
        var config = new WeightQuantConfig(bits, WeightGranularity.PerChannel, symmetric: false);
        using var q = new QuantizedWeight(codes, ones(1, 1), zeros(1, 1, ScalarType.Int32), config, ScalarType.Float32);
        using var packed = WeightPacker.Pack(q);
        uint fullWord = perWord * bits == 32 ? uint.MaxValue : (1u << (perWord * bits)) - 1;
        var words = packed.WeightPacked.data<int>().ToArray().Select(w => unchecked((uint)w)).ToArray();
        Assert.That(words, Is.EqualTo(new[] { fullWord, fullWord, (1u << bits) - 1 }));
    }

    [Test]
    public void Asymmetric_zero_points_are_packed_along_the_output_rows()
    {
        using var scope = NewDisposeScope();
        // Per channel, N = 10 rows, z_r = r: rows 0..7 fill word [0, 0] (field r at bits 4r), rows 8 and 9 start word [1, 0].
        var channel = new WeightQuantConfig(4, WeightGranularity.PerChannel, symmetric: false);
        var zero = ScalarOps.Arange(10, ScalarType.Int32).reshape(10, 1);
        using (var q = new QuantizedWeight(zeros(10, 3, ScalarType.Int32), ones(10, 1), zero, channel, ScalarType.Float32))
        using (var packed = WeightPacker.Pack(q))
        {
            Assert.That(packed.WeightZeroPoint!.dtype, Is.EqualTo(ScalarType.Int32));
            Assert.That(packed.WeightZeroPoint.shape, Is.EqualTo(new long[] { 2, 1 }));
            Assert.That(packed.WeightZeroPoint.data<int>().ToArray(), Is.EqualTo(new[] { 0x76543210, 0x98 }));
        }

        // Per group, N = 3, two groups: column g of the words holds group g's zero points of rows 0, 1, 2.
        var grouped = new WeightQuantConfig(4, WeightGranularity.PerGroup, 2, symmetric: false);
        var zeros2 = tensor(new[] { 1, 2, 3, 4, 5, 6 }, 3, 2).to_type(ScalarType.Int32);
        using var g = new QuantizedWeight(zeros(3, 4, ScalarType.Int32), ones(3, 2), zeros2, grouped, ScalarType.Float32);
        using var packedGroups = WeightPacker.Pack(g);
        Assert.That(packedGroups.WeightZeroPoint!.shape, Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(packedGroups.WeightZeroPoint.data<int>().ToArray(), Is.EqualTo(new[] { 0x531, 0x642 }));
        using var back = WeightPacker.Unpack(packedGroups);
        Assert.That(back.ZeroPoints!.data<int>().ToArray(), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void A_per_tensor_asymmetric_zero_point_is_stored_unpacked_as_the_signed_int8()
    {
        using var scope = NewDisposeScope();
        var config = new WeightQuantConfig(8, WeightGranularity.PerTensor, symmetric: false);
        using var q = new QuantizedWeight(ScalarOps.Full([2, 3], 200, ScalarType.Int32), ScalarOps.Full([1, 1], 0.5f), ScalarOps.Full([1, 1], 130, ScalarType.Int32), config, ScalarType.Float32);
        using var packed = WeightPacker.Pack(q);
        Assert.That(packed.WeightScale.shape, Is.EqualTo(new long[] { 1 }), "compressed-tensors' per-tensor scale shape");
        Assert.That(packed.WeightZeroPoint!.dtype, Is.EqualTo(ScalarType.Int8));
        Assert.That(packed.WeightZeroPoint.data<sbyte>().ToArray(), Is.EqualTo(new sbyte[] { 2 }), "z − 2^(b−1) = 130 − 128");
        using var back = WeightPacker.Unpack(packed);
        Assert.That(QuantTestData.Same(WeightQuantizer.Dequantize(back), ScalarOps.Full([2, 3], 35f)), Is.True, "(200 − 130) · 0.5");
    }

    [Test]
    public void The_packer_refuses_codes_zero_points_and_scales_that_do_not_fit_instead_of_corrupting_neighbours()
    {
        using var scope = NewDisposeScope();
        var sym = new WeightQuantConfig(4, WeightGranularity.PerChannel);
        var asym = sym with { Symmetric = false };
        using var symTooBig = new QuantizedWeight(tensor(new[] { 0, 8, 0 }, 1, 3).to_type(ScalarType.Int32), ones(1, 1), null, sym, ScalarType.Float32);
        Assert.That(() => WeightPacker.Pack(symTooBig), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("[0, 1]"));
        var zero = zeros(1, 1, ScalarType.Int32);
        using var asymTooBig = new QuantizedWeight(tensor(new[] { 16, 0 }, 1, 2).to_type(ScalarType.Int32), ones(1, 1), zero, asym, ScalarType.Float32);
        Assert.That(() => WeightPacker.Pack(asymTooBig), Throws.InstanceOf<ArgumentOutOfRangeException>());
        using var negative = new QuantizedWeight(tensor(new[] { -1, 0 }, 1, 2).to_type(ScalarType.Int32), ones(1, 1), zero.clone(), asym, ScalarType.Float32);
        Assert.That(() => WeightPacker.Pack(negative), Throws.InstanceOf<ArgumentOutOfRangeException>());
        using var badZero = new QuantizedWeight(zeros(1, 2, ScalarType.Int32), ones(1, 1), ScalarOps.Full([1, 1], 200, ScalarType.Int32), asym, ScalarType.Float32);
        Assert.That(() => WeightPacker.Pack(badZero), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("200"));
        using var nanScale = new QuantizedWeight(zeros(1, 2, ScalarType.Int32), ScalarOps.Full([1, 1], float.NaN), null, sym, ScalarType.Float32);
        Assert.That(() => WeightPacker.Pack(nanScale), Throws.ArgumentException.With.Message.Contains("NaN"));
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
        long words = (columns + 7) / 8;
        Assert.That(bits, Is.EqualTo(((words * 32.0) + (groups * 16.0)) / columns).Within(1e-12));
        Assert.That(bits, Is.LessThanOrEqualTo(4.3));
    }

    [TestCase(3, 384, 1536, 3.3333)]
    [TestCase(5, 384, 1536, 5.4583)]
    [TestCase(6, 384, 1536, 6.5417)]
    [TestCase(7, 384, 1536, 8.125)]
    public void Widths_that_do_not_divide_32_cost_32_over_floor_32_over_b_bits_per_code(int bits, int rows, int columns, double expected)
    {
        using var scope = NewDisposeScope();
        using var q = WeightQuantizer.Quantize(QuantTestData.HeavyTailed(rows, columns, 3), new WeightQuantConfig(bits, WeightGranularity.PerGroup, 128));
        using var packed = WeightPacker.Pack(q);
        TestContext.Out.WriteLine($"W{bits} g128 sym fp16 scales, {rows}x{columns}: {packed.EffectiveBitsPerWeight:F4} bits/weight");
        Assert.That(packed.EffectiveBitsPerWeight, Is.EqualTo(expected).Within(1e-4));
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
        Assert.That(noScale!.Message, Does.Contain("fc1.weight_scale is missing"));
        var noZero = Assert.Throws<InvalidDataException>(() => PackedLinearWeight.FromTensors(tensors, "fc1", config with { Symmetric = false }));
        Assert.That(noZero!.Message, Does.Contain("fc1.weight_zero_point is missing"));
    }

    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    [TestCase(0f)]
    [TestCase(-0.5f)]
    public void Reading_refuses_a_scale_that_is_not_finite_and_positive_and_says_where(float bad)
    {
        using var scope = NewDisposeScope();
        var config = new WeightQuantConfig(4, WeightGranularity.PerGroup, 32);
        using var q = WeightQuantizer.Quantize(QuantTestData.HeavyTailed(4, 64, 2), config);
        using var packed = WeightPacker.Pack(q);
        var tensors = new Dictionary<string, Tensor>(packed.ToTensors("fc1"));
        var scale = tensors["fc1.weight_scale"].clone();
        scale[2, 1] = tensor(bad).to_type(ScalarType.Float16);
        tensors["fc1.weight_scale"] = scale;
        var problems = new List<string>();
        Assert.That(PackedLinearWeight.Read(tensors, "fc1", config, problems), Is.Null);
        Assert.That(problems.Single(), Does.StartWith("fc1.weight_scale[2, 1] = ").And.Contain("not a finite positive scale (1 of 8"));
    }

    [Test]
    public void Reading_refuses_set_padding_bits_and_out_of_range_zero_points()
    {
        using var scope = NewDisposeScope();
        // 3 bits: 10 fields per word, so bits 30 and 31 are padding; K = 12 leaves fields 2..9 of a row's second word unused.
        var config = new WeightQuantConfig(3, WeightGranularity.PerChannel, symmetric: false);
        using var q = WeightQuantizer.Quantize(QuantTestData.HeavyTailed(9, 12, 4), config);
        using var packed = WeightPacker.Pack(q);
        var clean = packed.ToTensors("fc2");
        Assert.That(() => PackedLinearWeight.FromTensors(clean, "fc2", config).Dispose(), Throws.Nothing);

        var problems = new List<string>();
        var topBits = new Dictionary<string, Tensor>(clean) { ["fc2.weight_packed"] = clean["fc2.weight_packed"].bitwise_or(tensor(1 << 30)) };
        Assert.That(PackedLinearWeight.Read(topBits, "fc2", config, problems), Is.Null);
        Assert.That(problems.Single(), Does.StartWith("fc2.weight_packed[0, 0] has padding bits set"));

        problems.Clear();
        var pastK = clean["fc2.weight_packed"].clone();
        pastK[4, 1] = pastK[4, 1].bitwise_or(tensor(7 << 6));
        Assert.That(PackedLinearWeight.Read(new Dictionary<string, Tensor>(clean) { ["fc2.weight_packed"] = pastK }, "fc2", config, problems), Is.Null);
        Assert.That(problems.Single(), Does.StartWith("fc2.weight_packed[4, 1] has padding bits set"));

        // Zero points of 9 rows take one word per column with fields for rows 0..8 (bits 0..26); a field for row 9 is padding.
        problems.Clear();
        var zeroPastN = new Dictionary<string, Tensor>(clean) { ["fc2.weight_zero_point"] = clean["fc2.weight_zero_point"].bitwise_or(tensor(1 << 27)) };
        Assert.That(PackedLinearWeight.Read(zeroPastN, "fc2", config, problems), Is.Null);
        Assert.That(problems.Single(), Does.StartWith("fc2.weight_zero_point[0, 0] has padding bits set"));

        // Per tensor the zero point is a plain int8: 100 is far outside 4 bits' [−8, 7].
        problems.Clear();
        var perTensor = new WeightQuantConfig(4, WeightGranularity.PerTensor, symmetric: false);
        using var t = WeightQuantizer.Quantize(QuantTestData.HeavyTailed(2, 8, 5), perTensor);
        using var packedTensor = WeightPacker.Pack(t);
        var wrongZero = new Dictionary<string, Tensor>(packedTensor.ToTensors("fc3"))
        {
            ["fc3.weight_zero_point"] = tensor(new sbyte[] { 100 }, [1], ScalarType.Int8),
        };
        Assert.That(PackedLinearWeight.Read(wrongZero, "fc3", perTensor, problems), Is.Null);
        Assert.That(problems.Single(), Is.EqualTo("fc3.weight_zero_point = 100 is outside the signed 4-bit range [-8, 7]"));
    }
}
