using System.Runtime.InteropServices;
using TorchSharp;
using WmQuant.IO.Safetensors;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.IO.Safetensors;

public class SafetensorsTorchTests
{
    [Test]
    public void State_dict_round_trips_with_matching_scalar_types_and_values()
    {
        using var scope = NewDisposeScope();
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("state.safetensors");
        var generator = new Generator(7);
        var state = new Dictionary<string, Tensor>
        {
            ["f32"] = randn([3, 4], generator: generator),
            ["f16"] = randn([5], generator: generator).to(ScalarType.Float16),
            ["bf16"] = randn([2, 3], generator: generator).to(ScalarType.BFloat16),
            ["i64"] = tensor(new long[] { long.MinValue, -1, 0, 1, long.MaxValue }),
            ["i32"] = tensor(new[] { int.MinValue, 0, int.MaxValue }),
            ["i8"] = tensor(new sbyte[] { -128, 0, 127 }),
            ["u8"] = tensor(new byte[] { 0, 128, 255 }),
            ["bool"] = tensor(new[] { true, false, true, true }).reshape(2, 2),
            ["scalar"] = tensor(3.5f),
            ["empty"] = zeros([0, 3]),
        };

        SafetensorsTorch.Save(path, state, new Dictionary<string, string> { ["format"] = "pt" });
        var loaded = SafetensorsTorch.Load(path);

        Assert.That(loaded.Keys, Is.EquivalentTo(state.Keys));
        foreach (var (name, expected) in state)
        {
            var actual = loaded[name];
            Assert.That(actual.dtype, Is.EqualTo(expected.dtype), name);
            Assert.That(actual.shape, Is.EqualTo(expected.shape), name);
            Assert.That(actual.device_type, Is.EqualTo(DeviceType.CPU), name);
            Assert.That(BitsOf(actual), Is.EqualTo(BitsOf(expected)), name);
        }

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Get("bf16").DType, Is.EqualTo(SafetensorsDType.BF16));
        Assert.That(file.Get("bool").DType, Is.EqualTo(SafetensorsDType.Bool));
        Assert.That(file.Metadata["format"], Is.EqualTo("pt"));
    }

    private static byte[] BitsOf(Tensor tensor)
    {
        using var dense = tensor.contiguous();
        return dense.numel() == 0 ? [] : dense.bytes.ToArray();
    }

    [Test]
    public void Half_precision_bit_patterns_survive_load_and_save()
    {
        // NaN payloads, signed zeros, subnormals and infinities must pass through unchanged.
        ushort[] f16Bits = [0x0000, 0x8000, 0x0001, 0x7C00, 0xFC00, 0x7E01, 0xFD55, 0x3C00];
        ushort[] bf16Bits = [0x0000, 0x8000, 0x0001, 0x7F80, 0xFF80, 0x7FC1, 0xFFA5, 0x3F80];
        using var scope = NewDisposeScope();
        using var folder = new SafetensorsTestFolder();
        var source = folder.File("bits.safetensors");
        SafetensorsWriter.Write(source,
        [
            SafetensorsEntry.FromElements<ushort>("h", SafetensorsDType.F16, [8], f16Bits),
            SafetensorsEntry.FromElements<ushort>("b", SafetensorsDType.BF16, [2, 4], bf16Bits),
        ]);

        var loaded = SafetensorsTorch.Load(source);
        Assert.That(loaded["h"].dtype, Is.EqualTo(ScalarType.Float16));
        Assert.That(loaded["b"].dtype, Is.EqualTo(ScalarType.BFloat16));
        Assert.That(loaded["h"][3].to(ScalarType.Float32).item<float>(), Is.EqualTo(float.PositiveInfinity));
        Assert.That(loaded["b"][0, 3].to(ScalarType.Float32).item<float>(), Is.EqualTo(float.PositiveInfinity));

        var copy = folder.File("copy.safetensors");
        SafetensorsTorch.Save(copy, loaded);
        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(File.ReadAllBytes(source)));
    }

    [Test]
    public void Non_contiguous_and_offset_views_are_saved_as_their_logical_values()
    {
        using var scope = NewDisposeScope();
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("views.safetensors");
        var matrix = ScalarOps.Arange(12, ScalarType.Float32).reshape(3, 4);
        var transposed = matrix.t();
        var sliced = matrix[1..];            // contiguous, but starts 4 elements into the storage
        var strided = matrix[.., 1..3];      // neither contiguous nor at offset 0
        Assert.That(transposed.is_contiguous(), Is.False);

        SafetensorsTorch.Save(path, new Dictionary<string, Tensor> { ["t"] = transposed, ["s"] = sliced, ["c"] = strided });

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Get("t").Shape, Is.EqualTo(new long[] { 4, 3 }));
        Assert.That(file.GetSpan<float>("t").ToArray(), Is.EqualTo(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }));
        Assert.That(file.GetSpan<float>("s").ToArray(), Is.EqualTo(new float[] { 4, 5, 6, 7, 8, 9, 10, 11 }));
        Assert.That(file.GetSpan<float>("c").ToArray(), Is.EqualTo(new float[] { 1, 2, 5, 6, 9, 10 }));
        Assert.That(matrix.is_contiguous() && matrix[0, 1].item<float>() == 1f, Is.True, "the source is untouched");
    }

    [Test]
    public void Loaded_float_values_equal_the_file_bytes()
    {
        using var scope = NewDisposeScope();
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("floats.safetensors");
        float[] values = [0.1f, -3.25f, 1e-30f, 6.5e20f, float.Epsilon, -0f];
        SafetensorsWriter.Write(path, [SafetensorsEntry.FromElements<float>("w", SafetensorsDType.F32, [2, 3], values)]);

        var loaded = SafetensorsTorch.Load(path, CPU);

        var read = loaded["w"].data<float>().ToArray();
        Assert.That(MemoryMarshal.AsBytes(read.AsSpan()).ToArray(), Is.EqualTo(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
    }

    [Test]
    public void Bool_bytes_other_than_zero_and_one_are_rejected_by_the_bridge()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("bools.safetensors");
        SafetensorsWriter.Write(path, [new SafetensorsEntry("mask", SafetensorsDType.Bool, [4], new byte[] { 1, 0, 2, 1 })]);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsTorch.Load(path))!;

        Assert.That(error.TensorName, Is.EqualTo("mask"));
        Assert.That(error.Problem, Is.EqualTo("BOOL element 2 is 2; booleans must be stored as 0 or 1"));
    }

    [Test]
    public void Scalar_type_mapping_is_a_bijection_and_refuses_unsupported_types()
    {
        foreach (var dtype in SafetensorsDTypes.All)
        {
            Assert.That(SafetensorsTorch.ToDType(SafetensorsTorch.ToScalarType(dtype)), Is.EqualTo(dtype));
            using var probe = empty(1, SafetensorsTorch.ToScalarType(dtype));
            Assert.That(probe.element_size(), Is.EqualTo(dtype.ElementSize()), dtype.ToString());
        }

        var error = Assert.Throws<NotSupportedException>(() => SafetensorsTorch.ToDType(ScalarType.Float64))!;
        Assert.That(error.Message, Does.Contain("scalar type Float64 has no safetensors dtype"));
    }
}
