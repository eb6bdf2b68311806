using System.Text;
using WmQuant.IO.Safetensors;

namespace WmQuant.Tests.IO.Safetensors;

public class SafetensorsShardTests
{
    /// <summary>Tensors of 40, 24, 100, 8 and 16 bytes.</summary>
    private static List<SafetensorsEntry> Entries() =>
    [
        new("b.weight", SafetensorsDType.F32, [10], new byte[40]),
        new("a.weight", SafetensorsDType.F32, [6], Enumerable.Range(0, 24).Select(i => (byte)i).ToArray()),
        new("c.big", SafetensorsDType.U8, [100], new byte[100]),
        new("d.bias", SafetensorsDType.I64, [1], new byte[8]),
        new("e.scale", SafetensorsDType.F16, [8], new byte[16]),
    ];

    [Test]
    public void Tensors_that_fit_the_threshold_stay_one_file_without_an_index()
    {
        var files = SafetensorsShards.Serialize("model", Entries(), new Dictionary<string, string> { ["format"] = "pt" }, maxShardBytes: 188);
        Assert.That(files.Select(f => f.FileName), Is.EqualTo(new[] { "model.safetensors" }));
        Assert.That(files[0].Bytes, Is.EqualTo(SafetensorsWriter.Serialize(Entries(), new Dictionary<string, string> { ["format"] = "pt" })));
    }

    [Test]
    public void Shards_follow_the_hugging_face_rule_in_name_order_and_the_index_is_python_json()
    {
        // Name order a(24) b(40) c(100) d(8) e(16), threshold 64: [a b] (64), [c] (alone: larger than the threshold), [d e].
        var files = SafetensorsShards.Split(Entries(), 64);
        Assert.That(files.Select(s => s.Select(e => e.Name)), Is.EqualTo(new[] { new[] { "a.weight", "b.weight" }, ["c.big"], ["d.bias", "e.scale"] }));

        var serialized = SafetensorsShards.Serialize("model", Entries(), new Dictionary<string, string> { ["format"] = "pt" }, 64);
        Assert.That(serialized.Select(f => f.FileName), Is.EqualTo(new[]
        {
            "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json",
        }));
        Assert.That(Encoding.UTF8.GetString(serialized[^1].Bytes), Is.EqualTo(
            "{\n  \"metadata\": {\n    \"total_size\": 188\n  },\n  \"weight_map\": {\n" +
            "    \"a.weight\": \"model-00001-of-00003.safetensors\",\n    \"b.weight\": \"model-00001-of-00003.safetensors\",\n" +
            "    \"c.big\": \"model-00002-of-00003.safetensors\",\n    \"d.bias\": \"model-00003-of-00003.safetensors\",\n" +
            "    \"e.scale\": \"model-00003-of-00003.safetensors\"\n  }\n}\n"));
    }

    [Test]
    public void A_sharded_checkpoint_reads_back_through_its_index_like_one_file()
    {
        using var folder = new SafetensorsTestFolder();
        var files = SafetensorsShards.Serialize("model", Entries(), new Dictionary<string, string> { ["format"] = "pt" }, 64);
        SafetensorsShards.Write(folder.Root, "model", files);
        using var set = SafetensorsShardSet.Open(folder.File("model.safetensors.index.json"));
        Assert.That(set.Files, Has.Count.EqualTo(3));
        Assert.That(set.Tensors.Select(t => t.Name), Is.EqualTo(new[] { "a.weight", "b.weight", "c.big", "d.bias", "e.scale" }));
        Assert.That(set.FileOf("a.weight").GetSpan("a.weight").ToArray(), Is.EqualTo(Enumerable.Range(0, 24).Select(i => (byte)i).ToArray()));
        Assert.That(set.Metadata["format"], Is.EqualTo("pt"));
        var listing = SafetensorsListing.Read(folder.File("model.safetensors.index.json"));
        Assert.That(listing.Problem, Is.Null);
        Assert.That(listing.Listing!.Tensors, Has.Count.EqualTo(5));
    }

    [Test]
    public void Writing_a_single_file_over_shards_removes_them_and_leaves_other_files()
    {
        using var folder = new SafetensorsTestFolder();
        folder.WriteRaw("model-extra.txt", [1]);
        folder.WriteRaw("other-00001-of-00002.safetensors", [1]);
        SafetensorsShards.Write(folder.Root, "model", SafetensorsShards.Serialize("model", Entries(), null, 64));
        Assert.That(folder.Entries(), Has.Length.EqualTo(6));
        SafetensorsShards.Write(folder.Root, "model", SafetensorsShards.Serialize("model", Entries(), null));
        Assert.That(folder.Entries().Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "model-extra.txt", "model.safetensors", "other-00001-of-00002.safetensors" }));
    }

    [TestCase("{\"weight_map\": {\"a.weight\": \"../x.safetensors\"}}", "tensor 'a.weight': weight_map value \"../x.safetensors\" is not a plain .safetensors file name")]
    [TestCase("{\"weight_map\": {\"a.weight\": \"model-00009-of-00009.safetensors\"}}", "weight_map names shard 'model-00009-of-00009.safetensors', which does not exist")]
    [TestCase("{\"weight_map\": {\"a.weight\": \"model-00002-of-00003.safetensors\"}}", "tensor 'a.weight': weight_map puts it in 'model-00002-of-00003.safetensors', which has no such tensor")]
    [TestCase("{\"weight_map\": {\"a.weight\": \"model-00001-of-00003.safetensors\"}}", "tensor 'b.weight': is in 'model-00001-of-00003.safetensors' but weight_map does not list it")]
    [TestCase("{\"metadata\": {\"total_size\": 1}, \"weight_map\": {\"c.big\": \"model-00002-of-00003.safetensors\"}}", "metadata.total_size is 1 but the shards' tensors hold 100 bytes")]
    [TestCase("{\"weight_map\": {}}", "weight_map lists no tensors")]
    [TestCase("[1, 2]", "an index is a JSON object with a 'weight_map' object")]
    [TestCase("{\"weight_map\": ", "index is not valid JSON")]
    public void An_index_that_disagrees_with_its_shards_is_refused_naming_the_tensor(string index, string message)
    {
        using var folder = new SafetensorsTestFolder();
        SafetensorsShards.Write(folder.Root, "model", SafetensorsShards.Serialize("model", Entries(), null, 64));
        string path = folder.WriteRaw("model.safetensors.index.json", Encoding.UTF8.GetBytes(index));
        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsShardSet.Open(path).Dispose());
        Assert.That(error!.Message, Does.StartWith(path + ": ").And.Contain(message));
    }
}
