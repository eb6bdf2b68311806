using System.Runtime.InteropServices;
using WmQuant.IO.Safetensors;

namespace WmQuant.Tests.IO.Safetensors;

public class SafetensorsRoundTripTests
{
    /// <summary>Edge-case bit patterns per dtype: signed zeros, NaN payloads, infinities, subnormals, extremes.</summary>
    private static byte[] EdgeValues(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => Bytes<uint>(0x00000000, 0x80000000, 0x3F800000, 0x7F800000, 0xFF800000, 0x7FC00001, 0xFFA5A5A5, 0x00000001, 0x7F7FFFFF, 0xC0490FDB),
        SafetensorsDType.F16 => Bytes<ushort>(0x0000, 0x8000, 0x3C00, 0x7C00, 0xFC00, 0x7E01, 0xFD55, 0x0001, 0x7BFF, 0xC248),
        SafetensorsDType.BF16 => Bytes<ushort>(0x0000, 0x8000, 0x3F80, 0x7F80, 0xFF80, 0x7FC1, 0xFFA5, 0x0001, 0x7F7F, 0xC049),
        SafetensorsDType.I8 => Bytes<sbyte>(0, -1, 1, sbyte.MinValue, sbyte.MaxValue, -7, 8, 42, -100, 100),
        SafetensorsDType.U8 => Bytes<byte>(0, 1, 2, 127, 128, 200, 254, 255, 17, 99),
        SafetensorsDType.I32 => Bytes(0, -1, 1, int.MinValue, int.MaxValue, 0x01020304, -123456789, 8, 15, -16),
        SafetensorsDType.I64 => Bytes(0L, -1L, 1L, long.MinValue, long.MaxValue, 0x0102030405060708L, -9876543210L, 8L, 15L, -16L),
        SafetensorsDType.Bool => Bytes<byte>(1, 0, 0, 1, 1, 1, 0, 1, 0, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static byte[] Bytes<T>(params T[] values)
        where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    [TestCaseSource(typeof(SafetensorsDTypes), nameof(SafetensorsDTypes.All))]
    public void Every_dtype_round_trips_bit_exactly(SafetensorsDType dtype)
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File($"{dtype}.safetensors");
        var data = EdgeValues(dtype);
        SafetensorsWriter.Write(path, [new SafetensorsEntry("t", dtype, [2, 5], data)]);

        using var file = SafetensorsFile.Open(path);
        var info = file.Get("t");
        Assert.Multiple(() =>
        {
            Assert.That(info.DType, Is.EqualTo(dtype));
            Assert.That(info.Shape, Is.EqualTo(new long[] { 2, 5 }));
            Assert.That(info.ElementCount, Is.EqualTo(10));
            Assert.That(info.ByteLength, Is.EqualTo(10 * dtype.ElementSize()));
            Assert.That(file.ReadBytes("t"), Is.EqualTo(data));
            Assert.That(file.GetSpan("t").SequenceEqual(data), Is.True);
        });
    }

    [Test]
    public void Mixed_file_round_trips_every_tensor_with_metadata()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("mixed.safetensors");
        var entries = SafetensorsDTypes.All
            .Select((d, i) => new SafetensorsEntry($"layer{i}.{d}", d, [5, 2], EdgeValues(d)))
            .ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["quantization"] = "{\"bits\": 4, \"group_size\": 128}",
            ["note"] = "ünïcode ✓ \"quoted\" back\\slash\ttab\nnewline \u0001",
            [""] = "empty key",
        };

        SafetensorsWriter.Write(path, entries, metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Metadata, Is.EquivalentTo(metadata));
        Assert.That(file.Tensors.Select(t => t.Name), Is.EquivalentTo(entries.Select(e => e.Name)));
        foreach (var entry in entries)
        {
            Assert.That(file.Contains(entry.Name), Is.True);
            Assert.That(file.ReadBytes(entry.Name), Is.EqualTo(entry.Data.ToArray()), entry.Name);
            Assert.That(file.Get(entry.Name).Shape, Is.EqualTo(entry.Shape), entry.Name);
        }
    }

    [Test]
    public void Tensors_are_listed_in_offset_order_and_tile_the_data_buffer_aligned()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("aligned.safetensors");
        var entries = SafetensorsDTypes.All
            .Select(d => new SafetensorsEntry($"odd_{d}", d, [3], new byte[3 * d.ElementSize()]))
            .ToList();
        SafetensorsWriter.Write(path, entries);

        using var file = SafetensorsFile.Open(path);
        long cursor = 0;
        foreach (var info in file.Tensors)
        {
            Assert.That(info.Begin, Is.EqualTo(cursor), info.ToString());
            Assert.That(info.Begin % info.DType.ElementSize(), Is.Zero, $"{info} is not aligned to its element size");
            cursor = info.End;
        }

        Assert.That(cursor, Is.EqualTo(file.DataLength));
        Assert.That(file.DataStart % 8, Is.Zero, "header is padded to 8 bytes");
    }

    [Test]
    public void Scalars_empty_tensors_and_a_file_of_only_empty_tensors_round_trip()
    {
        using var folder = new SafetensorsTestFolder();
        var onlyEmpty = folder.File("empty-data.safetensors");
        SafetensorsWriter.Write(onlyEmpty,
        [
            new SafetensorsEntry("none", SafetensorsDType.F32, [0, 4], ReadOnlyMemory<byte>.Empty),
            new SafetensorsEntry("zero_rows", SafetensorsDType.I64, [3, 0], ReadOnlyMemory<byte>.Empty),
        ]);
        using (var file = SafetensorsFile.Open(onlyEmpty))
        {
            Assert.That(file.DataLength, Is.Zero);
            Assert.That(file.ReadBytes("none"), Is.Empty);
            Assert.That(file.GetSpan("zero_rows").IsEmpty, Is.True);
            Assert.That(file.Get("zero_rows").Shape, Is.EqualTo(new long[] { 3, 0 }));
        }

        var withScalar = folder.File("scalar.safetensors");
        SafetensorsWriter.Write(withScalar,
        [
            SafetensorsEntry.FromElements<double>("pi_as_i64_bits", SafetensorsDType.I64, [], [Math.PI]),
            new SafetensorsEntry("nothing", SafetensorsDType.U8, [0], ReadOnlyMemory<byte>.Empty),
        ]);
        using (var file = SafetensorsFile.Open(withScalar))
        {
            Assert.That(file.Get("pi_as_i64_bits").Shape, Is.Empty);
            Assert.That(BitConverter.Int64BitsToDouble(file.GetSpan<long>("pi_as_i64_bits")[0]), Is.EqualTo(Math.PI));
            Assert.That(file.Get("nothing").ByteLength, Is.Zero);
        }

        var nothingAtAll = folder.File("nothing.safetensors");
        SafetensorsWriter.Write(nothingAtAll, []);
        using (var file = SafetensorsFile.Open(nothingAtAll))
        {
            Assert.That(file.Tensors, Is.Empty);
            Assert.That(file.Metadata, Is.Empty);
        }
    }

    [Test]
    public void Typed_spans_read_elements_and_refuse_a_mismatched_element_size()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("typed.safetensors");
        float[] weights = [0.5f, -1.25f, 3e-8f, float.MaxValue];
        Half[] scales = [(Half)0.125f, (Half)(-2f)];
        SafetensorsWriter.Write(path,
        [
            SafetensorsEntry.FromElements<float>("w", SafetensorsDType.F32, [2, 2], weights),
            SafetensorsEntry.FromElements<Half>("s", SafetensorsDType.F16, [2], scales),
        ]);

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.GetSpan<float>("w").ToArray(), Is.EqualTo(weights));
        Assert.That(file.GetSpan<Half>("s").ToArray(), Is.EqualTo(scales));
        var error = Assert.Throws<InvalidOperationException>(() => file.GetSpan<double>("w"))!;
        Assert.That(error.Message, Does.Contain("tensor 'w' is F32 (4 bytes per element); Double has 8"));
    }

    [Test]
    public void Chunked_copies_read_any_part_of_a_tensor_and_refuse_ranges_outside_it()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("chunks.safetensors");
        var data = Enumerable.Range(0, 40).Select(i => (byte)(i * 3)).ToArray();
        SafetensorsWriter.Write(path, [new SafetensorsEntry("a", SafetensorsDType.I64, [5], data), new SafetensorsEntry("b", SafetensorsDType.U8, [2], new byte[] { 1, 2 })]);

        using var file = SafetensorsFile.Open(path);
        var chunk = new byte[7];
        file.CopyTo("a", 30, chunk);
        Assert.That(chunk, Is.EqualTo(data[30..37]));
        var whole = new byte[40];
        file.CopyTo("a", whole);
        Assert.That(whole, Is.EqualTo(data));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.CopyTo("a", 34, new byte[7]));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.CopyTo("a", -1, new byte[1]));
        Assert.Throws<ArgumentException>(() => file.CopyTo("b", new byte[3]));
    }

    [Test]
    public void Tensor_over_two_gibibytes_opens_and_reads_in_chunks()
    {
        // A sparse file: the 2 GiB + 8 byte tensor costs no disk and no time, only address space.
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("NTFS files are not sparse by default; this would write 2 GiB.");
        }

        const long size = (1L << 31) + 8;
        using var folder = new SafetensorsTestFolder();
        var header = SafetensorsTestFolder.Assemble($"{{\"huge\":{{\"dtype\":\"U8\",\"shape\":[{size}],\"data_offsets\":[0,{size}]}}}}");
        var path = folder.File("huge.safetensors");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(header);
            stream.SetLength(header.Length + size);
            stream.Position = header.Length + size - 1;
            stream.WriteByte(0x5A);
        }

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Get("huge").ByteLength, Is.EqualTo(size));
        var error = Assert.Throws<InvalidOperationException>(() => file.GetSpan("huge"))!;
        Assert.That(error.Message, Does.Contain("read it in chunks"));
        var tail = new byte[16];
        file.CopyTo("huge", size - 16, tail);
        Assert.That(tail, Is.EqualTo(new byte[15].Append((byte)0x5A)));
    }

    [Test]
    public void Missing_tensor_names_the_file_and_what_it_has()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("few.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsEntry.FromElements<int>("a", SafetensorsDType.I32, [1], [1])]);

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Contains("b"), Is.False);
        var error = Assert.Throws<KeyNotFoundException>(() => file.Get("b"))!;
        Assert.That(error.Message, Is.EqualTo($"{path}: no tensor named 'b'; it has 'a'"));
        Assert.Throws<KeyNotFoundException>(() => file.ReadBytes("A"), "names are case-sensitive");
    }

    [Test]
    public void Disposed_file_refuses_reads()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("closed.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsEntry.FromElements<int>("a", SafetensorsDType.I32, [1], [1])]);

        var file = SafetensorsFile.Open(path);
        file.Dispose();
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.ReadBytes("a"));
    }

    [Test]
    public void Header_keys_in_any_order_are_read_by_offset()
    {
        // Older writers ordered keys by name, not by offset; the reader must not care.
        using var folder = new SafetensorsTestFolder();
        var path = folder.WriteRaw("legacy.safetensors", SafetensorsTestFolder.Assemble(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]},\"z\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            [9, 0, 0, 0, 5, 6]));

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "z", "a" }));
        Assert.That(file.GetSpan<int>("z")[0], Is.EqualTo(9));
        Assert.That(file.ReadBytes("a"), Is.EqualTo(new byte[] { 5, 6 }));
    }

    [Test]
    public void Unknown_entry_fields_are_ignored_like_the_reference_does()
    {
        using var folder = new SafetensorsTestFolder();
        var path = folder.WriteRaw("extra.safetensors", SafetensorsTestFolder.Assemble(
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"comment\":[1,{}]}}", [3]));

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.ReadBytes("a"), Is.EqualTo(new byte[] { 3 }));
    }

    [Test]
    public void Randomised_files_round_trip_and_reserialise_to_the_same_bytes()
    {
        var random = new Random(4242);
        using var folder = new SafetensorsTestFolder();
        var path = folder.File("random.safetensors");
        for (var trial = 0; trial < 60; trial++)
        {
            var entries = new List<SafetensorsEntry>();
            var count = random.Next(0, 7);
            for (var i = 0; i < count; i++)
            {
                var dtype = SafetensorsDTypes.All[random.Next(SafetensorsDTypes.All.Count)];
                var shape = Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(0, 5)).ToArray();
                var data = new byte[SafetensorsShape.ElementCount(shape) * dtype.ElementSize()];
                random.NextBytes(data);
                entries.Add(new SafetensorsEntry($"t{random.Next(1000)}_{i}", dtype, shape, data));
            }

            var metadata = Enumerable.Range(0, random.Next(0, 3)).ToDictionary(i => $"k{i}", i => $"v{random.Next()}");
            SafetensorsWriter.Write(path, entries, metadata);

            using var file = SafetensorsFile.Open(path);
            Assert.That(file.Metadata, Is.EquivalentTo(metadata));
            foreach (var entry in entries)
            {
                Assert.That(file.Get(entry.Name).Shape, Is.EqualTo(entry.Shape));
                Assert.That(file.ReadBytes(entry.Name), Is.EqualTo(entry.Data.ToArray()));
            }

            var reread = file.Tensors.Select(t => new SafetensorsEntry(t.Name, t.DType, t.Shape, file.ReadBytes(t.Name)));
            Assert.That(SafetensorsWriter.Serialize(reread, file.Metadata), Is.EqualTo(File.ReadAllBytes(path)));
        }
    }
}
