using FsCheck;
using FsCheck.Fluent;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class WeightQuantizerTests
{
    private sealed record Case(int Bits, WeightGranularity Granularity, int GroupSize, bool Symmetric, ScaleStorage Storage, int Rows, int Columns, int Seed, float Clip);

    private static readonly Gen<Case> Cases =
        from bits in Gen.Choose(2, 8)
        from granularity in Gen.Elements(WeightGranularity.PerTensor, WeightGranularity.PerChannel, WeightGranularity.PerGroup)
        from groupSize in Gen.Elements(8, 16, 32, 128)
        from symmetric in Gen.Elements(true, false)
        from storage in Gen.Elements(ScaleStorage.Float16, ScaleStorage.Float32)
        from rows in Gen.Choose(1, 9)
        from columns in Gen.Choose(1, 300)
        from seed in Gen.Choose(0, 100_000)
        from clip in Gen.Elements(1f, 1f, 0.9f, 0.5f)
        select new Case(bits, granularity, groupSize, symmetric, storage, rows, columns, seed, clip);

    [Test]
    public void Dequantized_error_is_at_most_half_a_step_inside_the_clip_range_and_codes_stay_in_range()
    {
        var property = Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            using var scope = NewDisposeScope();
            var config = new WeightQuantConfig(c.Bits, c.Granularity, c.GroupSize, c.Symmetric, c.Storage);
            var w = QuantTestData.HeavyTailed(c.Rows, c.Columns, c.Seed);
            using var q = WeightQuantizer.Quantize(w, config, tensor(c.Clip));
            var deq = WeightQuantizer.Dequantize(q);

            var codes = q.Codes.data<int>().ToArray();
            bool codesInRange = codes.All(v => v >= config.MinCode && v <= config.MaxCode);

            // Expand the per-group scale and zero point to every element, then check element by element.
            var scale = ExpandToElements(q.Scales, c.Rows, c.Columns, config);
            var zero = q.ZeroPoints is null ? zeros_like(scale) : ExpandToElements(q.ZeroPoints.to_type(ScalarType.Float32), c.Rows, c.Columns, config);
            var lowEdge = zero.RSub(config.MinCode) * scale;
            var highEdge = zero.RSub(config.MaxCode) * scale;
            var inside = w.ge(lowEdge - scale.Div(2)).logical_and(w.le(highEdge.Add(scale.Div(2))));
            var error = (deq - w).abs();
            var bound = scale.Div(2).Mul(1 + 1e-5).Add(1e-9);
            bool bounded = error.le(bound).logical_or(inside.logical_not()).all().item<bool>();
            // With no clipping (ratio 1), every element is inside: RTN ranges cover the data.
            bool allInsideWhenUnclipped = c.Clip < 1 || inside.all().item<bool>();
            return (codesInRange && bounded && allInsideWhenUnclipped && scale.isfinite().all().item<bool>()).Label(c.ToString());
        });
        QuantTestData.Check(property, maxTests: 150, seed: 7);
    }

    [Test]
    public void Half_way_values_round_to_the_even_code()
    {
        // Absmax 1.75 at 4 bits symmetric gives s = 1.75 / 7 = 0.25 exactly (fp16-exact too).
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1.75f, 0.125f, 0.375f, 0.625f, -0.375f, -0.625f, 0.875f, -0.125f }, 1, 8);
        using var q = WeightQuantizer.Quantize(w, new WeightQuantConfig(4, WeightGranularity.PerTensor));
        Assert.That(q.Scales.item<float>(), Is.EqualTo(0.25f));
        // 0.5→0, 1.5→2, 2.5→2, −1.5→−2, −2.5→−2, 3.5→4, −0.5→0.
        Assert.That(q.Codes.data<int>().ToArray(), Is.EqualTo(new[] { 7, 0, 2, 2, -2, -2, 4, 0 }));
    }

    [Test]
    public void Asymmetric_codes_use_the_zero_point_from_the_rounded_minimum()
    {
        // Range [−1, 2] at 2 bits: s = 3/3 = 1, z = −round(−1/1) = 1; codes = round(x) + 1 clamped to 0..3.
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { -1f, 2f, 0.5f, 1.5f, -0.4f }, 1, 5);
        using var q = WeightQuantizer.Quantize(w, new WeightQuantConfig(2, WeightGranularity.PerChannel, symmetric: false));
        Assert.That(q.Scales.item<float>(), Is.EqualTo(1f));
        Assert.That(q.ZeroPoints!.item<int>(), Is.EqualTo(1));
        Assert.That(q.Codes.data<int>().ToArray(), Is.EqualTo(new[] { 0, 3, 1, 3, 1 }));
        Assert.That(WeightQuantizer.Dequantize(q).data<float>().ToArray(), Is.EqualTo(new[] { -1f, 2f, 0f, 2f, 0f }));
    }

    [Test]
    public void A_partial_last_group_gets_its_own_scale()
    {
        // K = 404, G = 128: groups cover 128, 128, 128 and 20 inputs.
        using var scope = NewDisposeScope();
        var w = ones(2, 404);
        w[TensorIndex.Colon, TensorIndex.Slice(384, 404)] = tensor(3.5f);
        using var q = WeightQuantizer.Quantize(w, new WeightQuantConfig(8, WeightGranularity.PerGroup));
        Assert.That(q.Scales.shape, Is.EqualTo(new long[] { 2, 4 }));
        var scales = q.Scales.data<float>().ToArray();
        Assert.That(scales[3], Is.GreaterThan(scales[2] * 3));
        Assert.That(WeightQuantizer.Dequantize(q).sub(w).abs().max().item<float>(), Is.LessThan(0.01f));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void All_zero_groups_give_zeros_and_constant_rows_are_exact(bool symmetric)
    {
        using var scope = NewDisposeScope();
        var w = zeros(3, 200);
        w[1] = ScalarOps.Full([200], -0.3f);
        w[2, TensorIndex.Slice(128, 200)] = tensor(0.7f);
        foreach (var granularity in Enum.GetValues<WeightGranularity>())
        {
            var config = new WeightQuantConfig(3, granularity, 128, symmetric);
            using var q = WeightQuantizer.Quantize(w, config);
            var deq = WeightQuantizer.Dequantize(q);
            Assert.That(q.Scales.isfinite().all().item<bool>() && deq.isfinite().all().item<bool>(), Is.True, granularity.ToString());
            Assert.That(q.Scales.Gt(0).all().item<bool>(), Is.True, "scales are clamped above zero");
            Assert.That(deq[0].abs().max().item<float>(), Is.Zero, $"{granularity}: an all-zero row stays zero");
            if (granularity != WeightGranularity.PerTensor)
            {
                // A constant row is its own range's end point, which is exactly representable up to scale rounding.
                Assert.That(deq[1].Sub(-0.3f).abs().max().item<float>(), Is.LessThan(0.3f * 1e-3f), $"{granularity}: constant row");
            }

            if (granularity == WeightGranularity.PerGroup)
            {
                Assert.That(deq[2, TensorIndex.Slice(0, 128)].abs().max().item<float>(), Is.Zero, "all-zero group in a non-zero row");
            }
        }
    }

    [Test]
    public void Sixteen_bits_is_bypass()
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(5, 33, 3).to_type(ScalarType.BFloat16);
        var config = new WeightQuantConfig(16, WeightGranularity.PerGroup);
        var fake = WeightQuantizer.FakeQuantize(w, config);
        Assert.That(fake.dtype, Is.EqualTo(ScalarType.BFloat16));
        Assert.That(QuantTestData.Same(fake, w), Is.True);
        Assert.Throws<ArgumentException>(() => WeightQuantizer.Quantize(w, config));
    }

    [Test]
    public void Fake_quantization_keeps_the_weight_dtype_and_equals_dequantized_codes()
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(6, 70, 11).to_type(ScalarType.BFloat16);
        var config = new WeightQuantConfig(4, WeightGranularity.PerGroup, 32);
        var fake = WeightQuantizer.FakeQuantize(w, config);
        using var q = WeightQuantizer.Quantize(w, config);
        Assert.That(fake.dtype, Is.EqualTo(ScalarType.BFloat16));
        Assert.That(QuantTestData.Same(fake, WeightQuantizer.Dequantize(q)), Is.True);
    }

    [Test]
    public void Scales_are_fp16_values_rounded_up()
    {
        using var scope = NewDisposeScope();
        var w = QuantTestData.HeavyTailed(64, 256, 5);
        var config = new WeightQuantConfig(4, WeightGranularity.PerGroup, 64);
        using var q = WeightQuantizer.Quantize(w, config);
        var exact = w.reshape(64, 4, 64).abs().amax(-1).Div(7);
        Assert.That(QuantTestData.Same(q.Scales.to_type(ScalarType.Float16).to_type(ScalarType.Float32), q.Scales), Is.True, "fp16-exact");
        Assert.That(q.Scales.ge(exact).all().item<bool>(), Is.True, "never below the exact scale");
        Assert.That((q.Scales / exact).max().item<float>(), Is.LessThan(1 + (1f / 512)), "within one fp16 step");
    }

    [Test]
    public void Invalid_configurations_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new WeightQuantConfig(1, WeightGranularity.PerChannel));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new WeightQuantConfig(9, WeightGranularity.PerChannel));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new WeightQuantConfig(4, WeightGranularity.PerGroup, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ActivationQuantConfig(12, ActivationGranularity.PerTokenDynamic));
        var valid = new WeightQuantConfig(4, WeightGranularity.PerGroup);
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = valid with { Bits = 0 });
    }

    private static Tensor ExpandToElements(Tensor perGroup, long rows, long columns, WeightQuantConfig config) => config.Granularity switch
    {
        WeightGranularity.PerTensor => perGroup.expand(rows, columns),
        WeightGranularity.PerChannel => perGroup.expand(rows, columns),
        _ => perGroup.repeat_interleave(config.GroupSize, 1).narrow(1, 0, columns),
    };
}
