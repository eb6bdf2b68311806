using System.Text;
using WmQuant.Contract;
using WmQuant.IO;
using WmQuant.Models.Checkpoints;

namespace WmQuant.Tests.IO;

/// <summary>The bounded reader every input goes through: kinds of file, sizes, text, and the limits enforced while parsing.</summary>
public sealed class BoundedTextTests
{
    private static readonly InputLimits Small = new("test file", 64, 4, 20, DiagnosticCodes.InputUnusable);

    private DirectoryInfo folder = null!;

    [SetUp]
    public void Create() => folder = Directory.CreateTempSubdirectory("wmq-bounded-");

    [TearDown]
    public void Delete() => folder.Delete(recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(folder.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Test]
    public void Text_is_read_without_its_byte_order_mark_in_UTF_8_and_UTF_16()
    {
        string utf8 = Write("a.txt", [0xEF, 0xBB, 0xBF, .. "é: 1"u8]);
        string utf16 = Write("b.txt", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes("é: 2")]);

        Assert.Multiple(() =>
        {
            Assert.That(BoundedText.ReadText(utf8, Small).Text, Is.EqualTo("é: 1"));
            Assert.That(BoundedText.ReadText(utf16, Small).Text, Is.EqualTo("é: 2"));
        });
    }

    [Test]
    public void A_byte_that_is_not_UTF_8_is_reported_at_its_line_and_column_in_characters()
    {
        string path = Write("a.txt", [.. "ab\né: x"u8, 0xC3, 0x28]);

        var problem = BoundedText.ReadText(path, Small).Problem!;

        Assert.That(problem.ToCanonicalString(folder.FullName),
            Is.EqualTo("a.txt(2,5): error WMQ1008: the test file is not UTF-8 text: byte 0xC3 is not valid UTF-8; save it as UTF-8"));
    }

    [Test]
    public void A_NUL_byte_makes_a_binary_file()
    {
        string path = Write("a.bin", [.. "a: 1\n"u8, 0, 1, 2]);
        Assert.That(BoundedText.ReadText(path, Small).Problem!.ToCanonicalString(folder.FullName),
            Is.EqualTo("a.bin(2,1): error WMQ1008: the test file is not text: it holds a NUL byte here (a binary file?)"));
    }

    [Test]
    public void A_file_over_the_limit_is_refused_by_its_size_and_one_at_the_limit_is_read()
    {
        string over = Write("over.txt", new byte[65]);
        string at = Write("at.txt", Encoding.ASCII.GetBytes(new string('a', 64)));

        Assert.Multiple(() =>
        {
            Assert.That(BoundedText.ReadBytes(over, Small).Problem!.Code, Is.EqualTo(DiagnosticCodes.FileTooLarge));
            Assert.That(BoundedText.ReadBytes(at, Small).Bytes, Has.Length.EqualTo(64));
        });
    }

    [Test]
    public void Directories_devices_and_missing_files_are_refused_by_kind_without_being_opened()
    {
        Assume.That(OperatingSystem.IsLinux(), "/dev/zero and /proc are Linux facts");
        Assert.Multiple(() =>
        {
            Assert.That(BoundedText.ReadBytes(folder.FullName, Small).Problem!.Message, Does.StartWith("test file is a directory"));
            Assert.That(BoundedText.ReadBytes("/dev/zero", Small).Problem!.Message, Does.StartWith("test file is a character device"));
            Assert.That(BoundedText.ReadBytes(Path.Combine(folder.FullName, "absent"), Small).Problem!.Code, Is.EqualTo(DiagnosticCodes.InputUnusable));
        });
    }

    [Test]
    public void A_proc_file_that_reports_size_0_is_still_read_within_the_limit()
    {
        Assume.That(File.Exists("/proc/self/status"), "needs /proc");
        var (bytes, problem) = BoundedText.ReadBytes("/proc/self/status", InputLimits.Recipe);
        Assert.That(problem, Is.Null);
        Assert.That(bytes!.Length, Is.GreaterThan(0));
    }

    [Test]
    public void JSON_depth_nodes_and_duplicate_names_are_refused_during_one_streaming_pass()
    {
        string deep = Write("deep.json", "[[[[[1]]]]]"u8.ToArray());
        string many = Write("many.json", "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21]"u8.ToArray());
        string twice = Write("twice.json", "{\"a\": 1, \"b\": {\"a\": 2}, \"a\": 3}"u8.ToArray());
        string fine = Write("fine.json", "{\"a\": [1, 2], \"b\": {\"a\": 2}}"u8.ToArray());

        Assert.Multiple(() =>
        {
            Assert.That(BoundedText.ReadJson(deep, Small).Problem!.ToCanonicalString(folder.FullName),
                Is.EqualTo("deep.json(1,5): error WMQ1009: the test file nests deeper than 4 levels"));
            Assert.That(BoundedText.ReadJson(many, Small).Problem!.Code, Is.EqualTo(DiagnosticCodes.TooManyNodes));
            Assert.That(BoundedText.ReadJson(twice, Small).Problem!.ToCanonicalString(folder.FullName),
                Is.EqualTo("twice.json(1,25): error WMQ2002: the test file repeats the key 'a' in one object"));
            Assert.That(BoundedText.ReadJson(fine, Small).Problem, Is.Null);
        });
    }

    [Test]
    public void Malformed_JSON_is_reported_at_its_position_without_the_runtime_s_position_text()
    {
        string path = Write("bad.json", "{\n  \"a\": [1, 2,\n}"u8.ToArray());
        var problem = BoundedText.ReadJson(path, Small).Problem!;
        Assert.That(problem.Position!.Value.Line, Is.EqualTo(3));
        Assert.That(problem.Message, Does.Not.Contain("LineNumber"));
    }

    [Test]
    public void A_YAML_alias_bomb_stops_at_the_alias_that_crosses_the_node_limit()
    {
        const string Bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b]\n";
        var parser = BoundedText.Yaml(Bomb, "bomb.yaml", InputLimits.Recipe with { MaxNodes = 150 });

        var thrown = Assert.Throws<InputLimitException>(() =>
        {
            while (parser.MoveNext())
            {
            }
        });

        Assert.That(thrown!.Problem.ToCanonicalString(), Does.StartWith("bomb.yaml(3,5): error WMQ1010: the recipe holds more than 150 nodes"));
    }

    [Test]
    public void The_YAML_depth_limit_counts_open_mappings_and_lists()
    {
        var parser = BoundedText.Yaml("a: [[[x]]]\n", "d.yaml", InputLimits.Recipe with { MaxDepth = 3 });
        var thrown = Assert.Throws<InputLimitException>(() =>
        {
            while (parser.MoveNext())
            {
            }
        });

        Assert.That(thrown!.Problem.ToCanonicalString(), Is.EqualTo("d.yaml(1,6): error WMQ1009: the recipe nests deeper than 3 levels"));
    }

    [Test]
    public void Long_values_are_shortened_in_messages()
    {
        Assert.Multiple(() =>
        {
            Assert.That(BoundedText.Shorten("short"), Is.EqualTo("short"));
            Assert.That(BoundedText.Shorten(new string('x', 10_000)), Is.EqualTo(new string('x', 80) + "… (10,000 characters)"));
        });
    }

    [Test]
    public void Weights_that_are_NaN_or_infinite_are_found_from_their_bits()
    {
        using var model = new TempModel();
        model.Poison("encoder.blocks.0.attn.qkv.weight", float.NaN, float.NegativeInfinity);

        var problems = ModelBundle.Check(model.Checkpoint);

        Assert.That(problems.Select(p => p.ToCanonicalString(model.Folder)), Is.EqualTo(new[]
        {
            "model.safetensors: error WMQ3004: the checkpoint holds weights that are not finite numbers, which no quantizer can scale: "
                + "encoder.blocks.0.attn.qkv.weight (1 NaN, 1 infinite); retrain or repair the model",
        }));
    }

    [Test]
    public void A_config_describing_far_more_parameters_than_the_checkpoint_holds_is_refused_before_allocation()
    {
        using var model = new TempModel();
        File.WriteAllText(Path.Combine(model.Folder, "model.yaml"),
            File.ReadAllText(Path.Combine(model.Folder, "model.yaml")).Replace("mlp_dim: 384", "mlp_dim: 65536", StringComparison.Ordinal));

        var problems = ModelBundle.Check(model.Checkpoint);

        Assert.That(problems.Single().Code, Is.EqualTo(DiagnosticCodes.ModelConfigUnparsable));
        Assert.That(problems.Single().Message, Does.Contain("does not belong to this checkpoint"));
    }

    /// <summary>A copy of the bundled Wall model in a temporary folder.</summary>
    private sealed class TempModel : IDisposable
    {
        public TempModel()
        {
            Folder = Directory.CreateTempSubdirectory("wmq-model-").FullName;
            foreach (string file in new[] { "model.safetensors", "model.yaml", "normalization.json" })
            {
                File.Copy(Recipes.RepositoryFiles.PathOf(Path.Combine("models", "wall", file)), Path.Combine(Folder, file));
            }
        }

        public string Folder { get; }

        public string Checkpoint => Path.Combine(Folder, "model.safetensors");

        public void Poison(string tensor, params float[] values)
        {
            byte[] bytes = File.ReadAllBytes(Checkpoint);
            long headerLength = BitConverter.ToInt64(bytes, 0);
            using var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            long begin = header.RootElement.GetProperty(tensor).GetProperty("data_offsets")[0].GetInt64();
            for (int i = 0; i < values.Length; i++)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan((int)(8 + headerLength + begin + (4 * i))), values[i]);
            }

            File.WriteAllBytes(Checkpoint, bytes);
        }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }
}
