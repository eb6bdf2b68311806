using System.Text;
using WmQuant.IO.Safetensors;

namespace WmQuant.Tests.IO.Safetensors;

public class SafetensorsCorruptFileTests
{
    private static byte[] Zeros(int count) => new byte[count];

    /// <summary>16 bytes of data: two F32 [2] tensors.</summary>
    private static byte[] Valid16 => Zeros(16);

    private static TestCaseData Case(string label, byte[] file, string? tensor, string fragment) =>
        new TestCaseData(file, tensor, fragment).SetName($"Rejects_{label}");

    private static IEnumerable<TestCaseData> CorruptFiles()
    {
        yield return Case("empty_file", [], null, "file is 0 bytes, shorter than the 8-byte header length prefix");
        yield return Case("file_shorter_than_prefix", Zeros(5), null, "file is 5 bytes, shorter than the 8-byte header length prefix");
        yield return Case("header_length_zero", SafetensorsTestFolder.AssembleRaw(0, []), null, "header length is 0");
        yield return Case("huge_header_length", SafetensorsTestFolder.AssembleRaw(ulong.MaxValue, Encoding.UTF8.GetBytes("{}      ")),
            null, "header length 18446744073709551615 exceeds the limit of 100000000 bytes");
        yield return Case("header_length_just_over_bound", SafetensorsTestFolder.AssembleRaw(100_000_001, Encoding.UTF8.GetBytes("{}      ")),
            null, "header length 100000001 exceeds the limit of 100000000 bytes");
        yield return Case("header_length_past_end_of_file", SafetensorsTestFolder.AssembleRaw(1000, Encoding.UTF8.GetBytes("{}      "), Zeros(12)),
            null, "header length 1000 runs past the end of the file (only 20 bytes follow the length prefix)");
        yield return Case("header_not_utf8", SafetensorsTestFolder.AssembleRaw(8, [(byte)'{', (byte)'"', (byte)'a', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}']),
            null, "header is not valid UTF-8 (invalid byte 0xFF at header offset 3)");
        yield return Case("header_bad_json", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\","),
            null, "header is not valid JSON:");
        yield return Case("header_trailing_garbage", SafetensorsTestFolder.Assemble("{}x"),
            null, "header is not valid JSON:");
        yield return Case("header_with_comment", SafetensorsTestFolder.Assemble("{/* c */}"),
            null, "header is not valid JSON:");
        yield return Case("header_not_an_object", SafetensorsTestFolder.Assemble("[1,2]"),
            null, "header must be a JSON object, found an array");
        yield return Case("header_leading_whitespace", SafetensorsTestFolder.Assemble(" {}"),
            null, "header must begin with '{', found byte 0x20");
        yield return Case("entry_not_an_object", SafetensorsTestFolder.Assemble("{\"a\":5}"),
            "a", "entry must be a JSON object with dtype, shape and data_offsets, found a number");
        yield return Case("missing_dtype", SafetensorsTestFolder.Assemble("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "missing field 'dtype'");
        yield return Case("dtype_not_a_string", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "field 'dtype' must be a string, found a number");
        yield return Case("unknown_dtype", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "unknown dtype 'Q4' (supported: F32, F16, BF16, I8, U8, I32, I64, BOOL)");
        yield return Case("lower_case_dtype", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "unknown dtype 'f32'");
        yield return Case("missing_shape", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "missing field 'shape'");
        yield return Case("shape_not_an_array", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "field 'shape' must be an array of non-negative integers, found a string");
        yield return Case("negative_dimension", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "shape[1] is -2; dimensions must not be negative");
        yield return Case("fractional_dimension", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "shape[0] is 1.5; dimensions must be integers in [0, 9223372036854775807]");
        yield return Case("shape_product_overflow", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "shape [4294967296, 4294967296] × F32 (4 bytes) overflows a 64-bit byte count");
        yield return Case("missing_data_offsets", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", Zeros(8)),
            "a", "missing field 'data_offsets'");
        yield return Case("offsets_not_an_array", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"begin\":0}}}", Zeros(8)),
            "a", "field 'data_offsets' must be an array [begin, end], found an object");
        yield return Case("three_offsets", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", Zeros(8)),
            "a", "field 'data_offsets' has 3 elements; expected exactly two, [begin, end]");
        yield return Case("offset_not_a_number", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",8]}}", Zeros(8)),
            "a", "data_offsets[0] must be a non-negative integer, found a string");
        yield return Case("negative_offset", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-4,4]}}", Zeros(8)),
            "a", "data_offsets[0] is -4; offsets must not be negative");
        yield return Case("begin_after_end", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", Zeros(8)),
            "a", "data_offsets begin 8 is greater than end 4");
        yield return Case("wrong_byte_count", SafetensorsTestFolder.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", Zeros(12)),
            "a", "byte length 12 (data_offsets [0, 12]) does not match shape [2, 2] × F32 (4 bytes) = 16 bytes");
        yield return Case("overlapping_offsets", SafetensorsTestFolder.Assemble(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", Valid16),
            "b", "data_offsets [8, 16] overlap tensor 'a' at [0, 16]");
        yield return Case("gap_between_tensors", SafetensorsTestFolder.Assemble(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", Valid16),
            "b", "data_offsets [8, 16] leave a gap: bytes [4, 8) belong to no tensor");
        yield return Case("first_tensor_not_at_zero", SafetensorsTestFolder.Assemble(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", Valid16),
            "a", "bytes [0, 8) belong to no tensor");
        yield return Case("tensor_past_data_buffer", SafetensorsTestFolder.Assemble(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", Valid16),
            "b", "data_offsets [8, 24] end past the data buffer, which holds 16 bytes (file truncated?)");
        yield return Case("trailing_bytes_after_last_tensor", SafetensorsTestFolder.Assemble(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", Valid16),
            null, "the data buffer holds 16 bytes but the tensors end at 8; 8 trailing bytes belong to no tensor");
        yield return Case("metadata_not_an_object", SafetensorsTestFolder.Assemble("{\"__metadata__\":[\"pt\"]}"),
            null, "'__metadata__' must be an object mapping strings to strings, found an array");
        yield return Case("metadata_value_not_a_string", SafetensorsTestFolder.Assemble("{\"__metadata__\":{\"epoch\":3}}"),
            null, "'__metadata__' value for key 'epoch' must be a string, found a number");
        yield return Case("duplicate_metadata_key", SafetensorsTestFolder.Assemble("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"),
            null, "'__metadata__' key 'k' appears more than once");
        yield return Case("duplicate_metadata_section", SafetensorsTestFolder.Assemble("{\"__metadata__\":{},\"__metadata__\":{}}"),
            null, "'__metadata__' appears more than once in the header");
        yield return Case("duplicate_tensor_name", SafetensorsTestFolder.Assemble(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", Valid16),
            "a", "name appears more than once in the header");
        yield return Case("duplicate_field_in_entry", SafetensorsTestFolder.Assemble(
                "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", Zeros(8)),
            "a", "field 'dtype' appears more than once");
    }

    [TestCaseSource(nameof(CorruptFiles))]
    public void Corrupt_file_is_rejected_with_a_precise_message(byte[] file, string? tensor, string fragment)
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.WriteRaw("corrupt.safetensors", file);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose())!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Path, Is.EqualTo(path));
            Assert.That(error.TensorName, Is.EqualTo(tensor));
            Assert.That(error.Problem, Does.Contain(fragment));
            var prefix = tensor is null ? $"{path}: " : $"{path}: tensor '{tensor}': ";
            Assert.That(error.Message, Does.StartWith(prefix));
        });
    }

    [Test]
    public void Truncated_file_names_the_tensor_that_runs_off_the_end()
    {
        using var folder = new SafetensorsTestFolder();
        var bytes = SafetensorsWriter.Serialize(
        [
            SafetensorsEntry.FromElements<float>("w", SafetensorsDType.F32, [4], [1, 2, 3, 4]),
            SafetensorsEntry.FromElements<byte>("m", SafetensorsDType.U8, [3], [1, 2, 3]),
        ]);
        var path = folder.WriteRaw("cut.safetensors", bytes[..^2]);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose())!;

        Assert.That(error.TensorName, Is.EqualTo("m"));
        Assert.That(error.Problem, Does.Contain("data_offsets [16, 19] end past the data buffer, which holds 17 bytes"));
    }

    [Test]
    public void Random_damage_to_valid_files_never_escapes_as_anything_but_a_format_error()
    {
        // Flip, truncate and extend valid files; opening must either succeed (damage in the
        // data) or fail with SafetensorsFormatException, never any other exception.
        using var folder = new SafetensorsTestFolder();
        var random = new Random(20261124);
        var valid = SafetensorsWriter.Serialize(
        [
            SafetensorsEntry.FromElements<float>("encoder.weight", SafetensorsDType.F32, [2, 3], [1, 2, 3, 4, 5, 6]),
            SafetensorsEntry.FromElements<long>("step", SafetensorsDType.I64, [], [7]),
            SafetensorsEntry.FromElements<byte>("mask", SafetensorsDType.Bool, [3], [1, 0, 1]),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        int accepted = 0, rejected = 0;
        for (var trial = 0; trial < 400; trial++)
        {
            var damaged = (byte[])valid.Clone();
            switch (trial % 3)
            {
                case 0:
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    damaged = damaged[..random.Next(damaged.Length)];
                    break;
                default:
                    damaged = [.. damaged, .. Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256))];
                    break;
            }

            var path = folder.WriteRaw("damaged.safetensors", damaged);
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var info in file.Tensors)
                {
                    Assert.That(file.ReadBytes(info.Name), Has.Length.EqualTo(info.ByteLength));
                }

                accepted++;
            }
            catch (SafetensorsFormatException)
            {
                rejected++;
            }
        }

        Assert.That(rejected, Is.GreaterThan(200), "truncations and extensions must all be rejected");
        Assert.That(accepted, Is.GreaterThan(0), "flips inside the data buffer are not detectable and must load");
    }
}
