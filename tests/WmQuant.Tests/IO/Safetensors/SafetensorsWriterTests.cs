using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using WmQuant.IO.Safetensors;

namespace WmQuant.Tests.IO.Safetensors;

public class SafetensorsWriterTests
{
    private static List<SafetensorsEntry> SampleEntries() =>
    [
        SafetensorsEntry.FromElements<float>("predictor.blocks.0.attn.qkv.weight", SafetensorsDType.F32, [2, 3], [1, 2, 3, 4, 5, 6]),
        SafetensorsEntry.FromElements<int>("predictor.blocks.0.attn.qkv.weight_packed", SafetensorsDType.I32, [2, 1], [0x12345678, -1]),
        SafetensorsEntry.FromElements<Half>("predictor.blocks.0.attn.qkv.weight_scale", SafetensorsDType.F16, [2, 1], [(Half)0.5f, (Half)0.25f]),
        SafetensorsEntry.FromElements<long>("step", SafetensorsDType.I64, [], [3]),
        SafetensorsEntry.FromElements<byte>("mask", SafetensorsDType.Bool, [2], [1, 0]),
    ];

    [Test]
    public void Same_input_in_any_order_gives_byte_identical_files()
    {
        using var folder = new SafetensorsTestFolder();
        var first = folder.File("a.safetensors");
        var second = folder.File("b.safetensors");
        var metadata = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1", ["format"] = "pt" };
        var reversedMetadata = metadata.Reverse().ToDictionary(p => p.Key, p => p.Value);

        SafetensorsWriter.Write(first, SampleEntries(), metadata);
        var reversed = SampleEntries();
        reversed.Reverse();
        SafetensorsWriter.Write(second, reversed, reversedMetadata);

        Assert.That(File.ReadAllBytes(second), Is.EqualTo(File.ReadAllBytes(first)));
        Assert.That(SafetensorsWriter.Serialize(SampleEntries(), metadata), Is.EqualTo(File.ReadAllBytes(first)));
    }

    [Test]
    public void Header_puts_metadata_first_with_sorted_keys_and_lays_tensors_out_by_alignment_then_name()
    {
        var bytes = SafetensorsWriter.Serialize(SampleEntries(), new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" });
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);

        Assert.That(headerLength % 8, Is.Zero);
        Assert.That(header, Does.StartWith("{\"__metadata__\":{\"a\":\"2\",\"z\":\"1\"},\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"));
        var order = new[] { "\"step\"", "\"predictor.blocks.0.attn.qkv.weight\"", "\"predictor.blocks.0.attn.qkv.weight_packed\"", "\"predictor.blocks.0.attn.qkv.weight_scale\"", "\"mask\"" }
            .Select(name => header.IndexOf(name, StringComparison.Ordinal))
            .ToArray();
        Assert.That(order, Is.Ordered.Ascending.And.All.GreaterThan(0));
        Assert.That(header.TrimEnd(' '), Does.EndWith("}}"));
    }

    [Test]
    public void Existing_file_is_replaced_whole()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, [new SafetensorsEntry("big", SafetensorsDType.U8, [4096], new byte[4096])]);
        var small = SampleEntries();

        SafetensorsWriter.Write(path, small);

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(SafetensorsWriter.Serialize(small)));
        Assert.That(folder.Entries(), Is.EqualTo(new[] { "model.safetensors" }));
    }

    [Test]
    public void Failure_while_writing_leaves_no_file_and_no_temporary_file()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("model.safetensors");
        List<SafetensorsEntry> entries = [.. SampleEntries(), new SafetensorsEntry("zz_fails", SafetensorsDType.U8, [64], new FailingMemory(64).Memory)];

        var error = Assert.Throws<IOException>(() => SafetensorsWriter.Write(path, entries))!;

        Assert.That(error.Message, Is.EqualTo(FailingMemory.Reason));
        Assert.That(folder.Entries(), Is.Empty);
    }

    [Test]
    public void Failure_while_replacing_keeps_the_old_file_intact()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, SampleEntries());
        var before = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsEntry("a", SafetensorsDType.U8, [8], new byte[8]), new SafetensorsEntry("b", SafetensorsDType.U8, [8], new FailingMemory(8).Memory)]));

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(folder.Entries(), Is.EqualTo(new[] { "model.safetensors" }));
    }

    [Test]
    public void Replacing_a_file_that_is_open_leaves_the_open_reader_on_the_old_contents()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Windows refuses to rename over a mapped file; the guarantee is for POSIX renames.");
        }

        using var folder = new SafetensorsTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsEntry.FromElements<int>("v", SafetensorsDType.I32, [2], [1, 2])]);
        using var reader = SafetensorsFile.Open(path);

        SafetensorsWriter.Write(path, [SafetensorsEntry.FromElements<int>("v", SafetensorsDType.I32, [3], [7, 8, 9])]);

        Assert.That(reader.GetSpan<int>("v").ToArray(), Is.EqualTo(new[] { 1, 2 }));
        using var fresh = SafetensorsFile.Open(path);
        Assert.That(fresh.GetSpan<int>("v").ToArray(), Is.EqualTo(new[] { 7, 8, 9 }));
    }

    [Test]
    public void Invalid_entries_are_refused_before_anything_is_written()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("bad.safetensors");

        var wrongLength = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsEntry("w", SafetensorsDType.F32, [2, 2], new byte[12])]))!;
        var duplicate = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsEntry("w", SafetensorsDType.U8, [1], new byte[1]), new SafetensorsEntry("w", SafetensorsDType.U8, [1], new byte[1])]))!;
        var reserved = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsEntry("__metadata__", SafetensorsDType.U8, [1], new byte[1])]))!;
        var negative = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsEntry("n", SafetensorsDType.U8, [-1], ReadOnlyMemory<byte>.Empty)]))!;
        var surrogate = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsEntry("bad\uD800name", SafetensorsDType.U8, [1], new byte[1])]))!;

        Assert.Multiple(() =>
        {
            Assert.That(wrongLength.Message, Does.Contain("tensor 'w' has 12 bytes but shape [2, 2] × F32 (4 bytes) needs 16"));
            Assert.That(duplicate.Message, Does.Contain("tensor 'w' is given more than once"));
            Assert.That(reserved.Message, Does.Contain("'__metadata__' is reserved"));
            Assert.That(negative.Message, Does.Contain("negative dimension in shape [-1]"));
            Assert.That(surrogate.Message, Does.Contain("not valid Unicode"));
            Assert.That(folder.Entries(), Is.Empty);
        });
    }

    /// <summary>Memory whose contents cannot be read: the writer fails after it has started writing.</summary>
    private sealed class FailingMemory(int length) : MemoryManager<byte>
    {
        public const string Reason = "simulated device failure while reading tensor data";

        public override Span<byte> GetSpan() => throw new IOException(Reason);

        public override MemoryHandle Pin(int elementIndex = 0) => throw new IOException(Reason);

        public override void Unpin()
        {
        }

        public override Memory<byte> Memory => CreateMemory(length);

        protected override void Dispose(bool disposing)
        {
        }
    }
}
