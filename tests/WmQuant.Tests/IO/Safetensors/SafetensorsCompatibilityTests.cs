using System.Text;
using WmQuant.IO.Safetensors;

namespace WmQuant.Tests.IO.Safetensors;

/// <summary>
/// Files assembled by hand from the format specification, laid out the way the reference
/// Python/Rust library writes them (metadata first, tensors by descending dtype alignment then
/// name, compact JSON with fields dtype/shape/data_offsets, header space-padded to 8 bytes).
/// </summary>
public class SafetensorsCompatibilityTests
{
    [Test]
    public void Single_tensor_file_matches_the_reference_bytes_exactly()
    {
        // {"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}} is 53 bytes; padded to 56 = 0x38.
        byte[] expected =
        [
            0x38, 0, 0, 0, 0, 0, 0, 0,
            .. Encoding.ASCII.GetBytes("{\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}   "),
            5, 6,
        ];

        var written = SafetensorsWriter.Serialize([new SafetensorsEntry("x", SafetensorsDType.U8, [2], new byte[] { 5, 6 })]);

        Assert.That(written, Is.EqualTo(expected));
    }

    [Test]
    public void Empty_file_with_and_without_metadata_matches_the_reference_bytes()
    {
        byte[] empty = [8, 0, 0, 0, 0, 0, 0, 0, .. "{}      "u8];
        // {"__metadata__":{"format":"pt"}} is 32 bytes, already a multiple of 8: no padding.
        byte[] withMetadata = [32, 0, 0, 0, 0, 0, 0, 0, .. "{\"__metadata__\":{\"format\":\"pt\"}}"u8];
        // {"__metadata__":{"framework":"pt"}} is 35 bytes; padded to 40.
        byte[] withLongerKey = [40, 0, 0, 0, 0, 0, 0, 0, .. "{\"__metadata__\":{\"framework\":\"pt\"}}     "u8];

        Assert.That(SafetensorsWriter.Serialize([]), Is.EqualTo(empty));
        Assert.That(SafetensorsWriter.Serialize([], new Dictionary<string, string> { ["format"] = "pt" }), Is.EqualTo(withMetadata));
        Assert.That(SafetensorsWriter.Serialize([], new Dictionary<string, string> { ["framework"] = "pt" }), Is.EqualTo(withLongerKey));
    }

    [Test]
    public void Mixed_dtype_state_dict_matches_the_reference_layout_and_reads_back()
    {
        // safetensors.torch.save_file({"weight": f32[2], "step": i64 scalar, "scale": f16[1], "mask": bool[3]},
        // metadata={"format": "pt"}) orders I64, F32, F16, BOOL.
        const string header =
            "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}," +
            "\"scale\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[16,18]}," +
            "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[18,21]}}";
        byte[] data =
        [
            7, 0, 0, 0, 0, 0, 0, 0,          // step = 7
            0x00, 0x00, 0x80, 0x3F,          // 1.0f
            0x00, 0x00, 0x00, 0xC0,          // -2.0f
            0x00, 0x3C,                      // (half)1.0
            1, 0, 1,
        ];
        var expected = SafetensorsTestFolder.Assemble(header, data);
        Assert.That(header.Length, Is.EqualTo(32 + 55 + 59 + 59 + 59), "the hand count of the header, piece by piece");
        Assert.That(expected[..8], Is.EqualTo(new byte[] { 8, 1, 0, 0, 0, 0, 0, 0 }), "264 = 0x108 is a multiple of 8: no padding");

        var written = SafetensorsWriter.Serialize(
        [
            SafetensorsEntry.FromElements<float>("weight", SafetensorsDType.F32, [2], [1f, -2f]),
            SafetensorsEntry.FromElements<byte>("mask", SafetensorsDType.Bool, [3], [1, 0, 1]),
            SafetensorsEntry.FromElements<long>("step", SafetensorsDType.I64, [], [7]),
            SafetensorsEntry.FromElements<Half>("scale", SafetensorsDType.F16, [1], [(Half)1f]),
        ], new Dictionary<string, string> { ["format"] = "pt" });
        Assert.That(written, Is.EqualTo(expected));

        using var folder = new SafetensorsTestFolder();
        using var file = SafetensorsFile.Open(folder.WriteRaw("reference.safetensors", expected));
        Assert.That(file.Metadata["format"], Is.EqualTo("pt"));
        Assert.That(file.Tensors.Select(t => t.ToString()), Is.EqualTo(new[]
        {
            "step: I64 [] bytes [0, 8)",
            "weight: F32 [2] bytes [8, 16)",
            "scale: F16 [1] bytes [16, 18)",
            "mask: BOOL [3] bytes [18, 21)",
        }));
        Assert.That(file.GetSpan<float>("weight").ToArray(), Is.EqualTo(new[] { 1f, -2f }));
        Assert.That(file.GetSpan<long>("step")[0], Is.EqualTo(7));
    }

    [Test]
    public void Non_ascii_and_control_characters_are_escaped_as_serde_json_does()
    {
        var bytes = SafetensorsWriter.Serialize([], new Dictionary<string, string> { ["k"] = "é\"\\\n\u0001<&>/" });
        var header = Encoding.UTF8.GetString(bytes, 8, bytes.Length - 8).TrimEnd(' ');

        // UTF-8 passes through raw; only quote, backslash and control characters are escaped (\u00XX lower-case).
        Assert.That(header, Is.EqualTo("{\"__metadata__\":{\"k\":\"é\\\"\\\\\\n\\u0001<&>/\"}}"));
    }
}
