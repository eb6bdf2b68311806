using TorchSharp;
using WmQuant.Models.Layers;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

public class TensorCorePaddingTests
{
    [TestCase(404, 2, 408)]
    [TestCase(408, 2, 408)]
    [TestCase(116, 2, 120)]
    [TestCase(3072, 2, 3072)]
    [TestCase(404, 4, 404)]
    [TestCase(10, 4, 12)]
    public void Padded_widths_are_the_next_whole_16_byte_row(long width, int elementBytes, long expected) =>
        Assert.That(TensorCorePadding.PaddedWidth(width, elementBytes), Is.EqualTo(expected));

    [Test]
    public void Only_half_precision_on_cuda_with_an_unaligned_width_is_padded()
    {
        Assert.That(TensorCorePadding.Applies(DeviceType.CUDA, ScalarType.BFloat16, 404), Is.True);
        Assert.That(TensorCorePadding.Applies(DeviceType.CUDA, ScalarType.Float16, 404), Is.True);
        Assert.That(TensorCorePadding.Applies(DeviceType.CUDA, ScalarType.BFloat16, 408), Is.False);
        Assert.That(TensorCorePadding.Applies(DeviceType.CUDA, ScalarType.Float32, 404), Is.False, "fp32 rows of 404 are already 16-byte multiples");
        Assert.That(TensorCorePadding.Applies(DeviceType.CPU, ScalarType.BFloat16, 404), Is.False);
    }

    [TestCase(true, 404, 3072)]
    [TestCase(true, 1024, 404)]
    [TestCase(false, 404, 3072)]
    [TestCase(true, 13, 7)]
    public void Padding_leaves_the_product_unchanged(bool withBias, long inputs, long outputs)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var x = randn([3, 5, inputs], generator: generator);
        var w = randn([outputs, inputs], generator: generator);
        var b = withBias ? randn([outputs], generator: generator) : null;

        var padded = TensorCorePadding.PaddedLinear(x, w, b, TensorCorePadding.PaddedWidth(inputs, 2), TensorCorePadding.PaddedWidth(outputs, 2) + 8);
        var plain = nn.functional.linear(x, w, b);

        Assert.That(padded.shape, Is.EqualTo(plain.shape));
        Assert.That(padded.allclose(plain, rtol: 1e-5, atol: 1e-4), Is.True);
    }

    [Test]
    public void Off_cuda_the_call_is_the_plain_product_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(8);
        var x = randn([4, 404], generator: generator).to_type(ScalarType.BFloat16);
        var w = randn([408, 404], generator: generator).to_type(ScalarType.BFloat16);
        Assert.That(ModelTestSupport.Identical(TensorCorePadding.Linear(x, w, null), nn.functional.linear(x, w, null)), Is.True);
    }

    [Test]
    public void Widths_smaller_than_the_weight_are_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => TensorCorePadding.PaddedLinear(zeros(2, 8), zeros(4, 8), null, 6, 4));
    }
}
