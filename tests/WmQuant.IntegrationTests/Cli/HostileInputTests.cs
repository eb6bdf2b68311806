using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using WmQuant.IntegrationTests.Support;
using WmQuant.TestSupport;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>
/// Hostile and broken inputs given to the built wmq as a process, as CI would meet them: each is refused with exit 2 and
/// a documented code (at file(line,col) where the input has positions), within 2 s of wall time after the .NET
/// start-up, under 300 MB of peak resident memory (both measured), and leaves nothing behind in the repository (no
/// artifacts/ folder, no cache entry, no temporary file).
/// </summary>
[NonParallelizable]
public sealed class HostileInputTests
{
    private const long PeakLimitKilobytes = 300 * 1024;
    private static readonly TimeSpan Budget = Startup.Budget;
    private static readonly List<string> Measurements = [];
    private static MeasuredResult startup = null!;

    private Repo repo = null!;

    /// <summary>How long the process takes to start and exit doing nothing (wmq --version), measured here, not assumed.</summary>
    [OneTimeSetUp]
    public void MeasureStartup()
    {
        startup = Startup.Measure();
        Measurements.Add(string.Create(CultureInfo.InvariantCulture,
            $"start-up (wmq --version): {startup.Wall.TotalSeconds:F2} s ({startup.Cpu.TotalSeconds:F2} s CPU), {startup.PeakKilobytes / 1024} MB"));
    }

    [OneTimeTearDown]
    public void PrintMeasurements() => TestContext.Progress.WriteLine(string.Join("\n", Measurements));

    [SetUp]
    public void CreateRepository()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("FIFOs, /dev/zero, /etc and /proc are Linux facts");
        }

        repo = new Repo();
    }

    [TearDown]
    public void DeleteRepository() => repo?.Dispose();

    // ---- files that are not regular files ----

    [Test]
    public void A_directory_given_as_the_recipe_is_called_a_directory()
    {
        Directory.CreateDirectory(repo.Combine("dir.yaml"));
        var result = Refused(DiagnosticCode.NotRegularFile, "dir.yaml(1,1)", "validate", "dir.yaml");
        Assert.That(result.Output, Does.Contain("is a directory").And.Not.Contain("not found"));
    }

    [Test]
    public void A_fifo_given_as_the_recipe_is_refused_without_opening_it()
    {
        repo.Fifo("pipe.yaml");
        Assert.That(Refused(DiagnosticCode.NotRegularFile, "pipe.yaml(1,1)", "validate", "pipe.yaml").Output, Does.Contain("FIFO"));
    }

    [Test]
    public void Dev_zero_given_as_the_recipe_is_refused_without_reading_it()
    {
        Assert.That(Refused(DiagnosticCode.NotRegularFile, "/dev/zero(1,1)", "validate", "/dev/zero").Output, Does.Contain("character device"));
    }

    [Test]
    public void A_fifo_as_a_base_recipe_is_refused_at_the_extends_line()
    {
        repo.Fifo("base.yaml");
        repo.Write("r.yaml", "extends: base.yaml\n" + Repo.Head);
        Refused(DiagnosticCode.NotRegularFile, "r.yaml(1,10)", "validate", "r.yaml");
    }

    [Test]
    public void A_fifo_as_the_checkpoint_is_refused_before_the_run_opens_it()
    {
        repo.Fifo("pipe.safetensors");
        repo.Write("r.yaml", Repo.Head.Replace("m.safetensors", "pipe.safetensors", StringComparison.Ordinal));
        Refused(DiagnosticCode.NotRegularFile, "r.yaml(2,22)", "quantize", "r.yaml");
    }

    [Test]
    public void A_fifo_as_a_gate_candidate_and_dev_zero_as_its_baseline_are_refused()
    {
        repo.Fifo("candidate.json");
        var result = Refused(DiagnosticCode.NotRegularFile, "candidate.json(1,1)", "gate", "--candidate", "candidate.json", "--baseline", "/dev/zero", "--max-drop", "0");
        Assert.That(result.Output, Does.Contain("/dev/zero(1,1): error WMQ1006"));
    }

    // ---- paths: links, loops, NUL ----

    [Test]
    public void A_base_recipe_through_a_link_to_etc_is_refused_and_its_contents_never_printed()
    {
        Directory.CreateSymbolicLink(repo.Combine("link"), "/etc");
        repo.Write("r.yaml", "extends: link/passwd\n" + Repo.Head);
        var result = Refused(DiagnosticCode.PathEscapesRepository, "r.yaml(1,10)", "validate", "r.yaml");
        Assert.That(result.Output, Does.Contain("leads through a symbolic link to /etc/passwd").And.Not.Contain("root:").And.Not.Contain("nologin"));
    }

    [Test]
    public void A_checkpoint_in_a_linked_folder_outside_the_repository_is_refused_at_validation_and_never_loaded()
    {
        repo.CopyModel("models/wall", outside: true);
        Directory.CreateSymbolicLink(repo.Combine("models"), repo.Outside("models"));
        repo.Write("r.yaml", Repo.RunnableRecipe("linked"));
        var run = Refused(DiagnosticCode.PathEscapesRepository, "r.yaml(3,22)", "quantize", "r.yaml");
        Assert.That(run.Output, Does.Contain("nothing was run"));
    }

    [Test]
    public void A_model_config_beside_the_checkpoint_linked_out_of_the_repository_is_an_escape()
    {
        File.WriteAllText(repo.Outside("m.yaml"), "name: outside\n");
        File.CreateSymbolicLink(repo.Combine("m.yaml"), repo.Outside("m.yaml"));
        repo.Write("r.yaml", Repo.Head);
        Refused(DiagnosticCode.PathEscapesRepository, "r.yaml(2,22)", "validate", "r.yaml");
    }

    [Test]
    public void A_symbolic_link_loop_is_refused_as_a_loop()
    {
        File.CreateSymbolicLink(repo.Combine("loop-a"), "loop-b");
        File.CreateSymbolicLink(repo.Combine("loop-b"), "loop-a");
        repo.Write("r.yaml", Repo.Head.Replace("m.safetensors", "loop-a/m.safetensors", StringComparison.Ordinal));
        Assert.That(Refused(DiagnosticCode.UnresolvablePath, "r.yaml(2,22)", "validate", "r.yaml").Output, Does.Contain("link loop"));
    }

    [Test]
    public void A_NUL_character_in_a_path_is_refused_and_printed_escaped()
    {
        repo.Write("r.yaml", Repo.Head.Replace("m.safetensors", "\"m\\0.safetensors\"", StringComparison.Ordinal));
        var result = Refused(DiagnosticCode.UnresolvablePath, "r.yaml(2,22)", "validate", "r.yaml");
        Assert.That(result.Output, Does.Contain("m\\u0000.safetensors"));
        Assert.That(result.Output.Contains('\0', StringComparison.Ordinal), Is.False, "a raw NUL in the output");
    }

    [Test]
    public void A_recipe_outside_the_given_repo_root_is_refused()
    {
        Directory.CreateDirectory(repo.Combine("inner"));
        repo.Write("r.yaml", Repo.Head);
        Refused(DiagnosticCode.PathEscapesRepository, "r.yaml(1,1)", "validate", "r.yaml", "--repo-root", "inner");
    }

    [Test]
    public void An_output_folder_that_is_a_file_stops_the_run_before_anything_runs()
    {
        repo.CopyModel("models/wall");
        repo.Write("r.yaml", Repo.RunnableRecipe("out"));
        repo.Write("taken", "a file where the artifact folder should go");
        Assert.That(Refused(DiagnosticCode.NotRegularFile, null, "quantize", "r.yaml", "--out", "taken").Output, Does.Contain("not a directory"));
    }

    // ---- sizes, text, YAML ----

    [Test]
    public void A_50_MB_recipe_is_refused_by_its_size_without_being_read()
    {
        repo.Sized("big.yaml", "name: x\n", 50 << 20);
        Assert.That(Refused(DiagnosticCode.FileTooLarge, "big.yaml(1,1)", "validate", "big.yaml").Output, Does.Contain("the limit for this kind of file is 1 MiB"));
    }

    [Test]
    public void A_50_MB_base_recipe_is_refused_at_the_extends_line()
    {
        repo.Sized("big.yaml", "name: x\n", 50 << 20);
        repo.Write("r.yaml", "extends: big.yaml\n" + Repo.Head);
        Refused(DiagnosticCode.FileTooLarge, "r.yaml(1,10)", "validate", "r.yaml");
    }

    [Test]
    public void A_binary_file_is_refused_at_its_first_NUL_byte()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        Encoding.ASCII.GetBytes("name: x\nseed: 1\n").CopyTo(bytes, 0);
        bytes[16] = 0;
        repo.WriteBytes("r.yaml", bytes);
        Refused(DiagnosticCode.NotText, "r.yaml(3,1)", "validate", "r.yaml");
    }

    [Test]
    public void Latin_1_text_is_refused_at_the_byte_that_is_not_UTF_8()
    {
        repo.WriteBytes("r.yaml", [.. Encoding.UTF8.GetBytes(Repo.Head), .. "description: caf"u8, 0xE9, (byte)'\n']);
        Assert.That(Refused(DiagnosticCode.NotText, "r.yaml(4,17)", "validate", "r.yaml").Output, Does.Contain("0xE9"));
    }

    [Test]
    public void Byte_order_marks_are_read_as_text()
    {
        repo.WriteBytes("utf8.yaml", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Repo.Head)]);
        repo.WriteBytes("utf16.yaml", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Repo.Head)).ToArray());
        Accepted("validate", "utf8.yaml");
        Accepted("validate", "utf16.yaml");
    }

    [Test]
    public void YAML_tags_that_ask_for_objects_are_refused()
    {
        repo.Write("r.yaml", Repo.Head + "description: !!python/object/apply:os.system [\"echo owned\"]\n");
        Assert.That(Refused(DiagnosticCode.MalformedYaml, "r.yaml(4,14)", "validate", "r.yaml").Output, Does.Contain("!!python/object/apply:os.system"));
    }

    [Test]
    public void Duplicate_keys_are_reported_with_both_positions()
    {
        repo.Write("r.yaml", Repo.Head + "seed: 1\nseed: 2\n");
        Assert.That(Refused(DiagnosticCode.DuplicateKey, "r.yaml(5,1)", "validate", "r.yaml").Output, Does.Contain("first set at r.yaml(4,1)"));
    }

    [Test]
    public void A_hundred_thousand_nested_brackets_stop_at_the_depth_limit_instead_of_overflowing_the_stack()
    {
        repo.Write("r.yaml", Repo.Head + "description: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        Refused(DiagnosticCode.NestingTooDeep, "r.yaml(4,", "validate", "r.yaml");
    }

    [Test]
    public void Ten_thousand_nested_block_sequences_stop_at_the_depth_limit()
    {
        // 10,000 levels indented one space each would be 50 MB; "- " sequences nest one level per two characters.
        repo.Write("r.yaml", Repo.Head + "description:\n" + string.Concat(Enumerable.Repeat("- ", 10_000)) + "x\n");
        Refused(DiagnosticCode.NestingTooDeep, "r.yaml(5,", "validate", "r.yaml");
    }

    [Test]
    public void An_alias_bomb_used_as_a_matrix_value_stops_while_parsing()
    {
        // The anchors alone hold about 1,200 nodes; ten uses of the last one as matrix values would make 11,000 more.
        repo.Write("r.yaml", Repo.Head + Repo.AliasBomb("b", 3) + "matrix:\n  seed: [" + string.Join(", ", Enumerable.Repeat("*b3", 10)) + "]\n");
        Assert.That(Refused(DiagnosticCode.TooManyNodes, "r.yaml(9,", "validate", "r.yaml").Output, Does.Contain("alias"));
    }

    [Test]
    public void A_mapping_bomb_merged_through_extends_is_stopped_in_the_base_file()
    {
        repo.Write("base.yaml", Repo.AliasBomb("m", 6, mapping: true));
        repo.Write("r.yaml", "extends: base.yaml\n" + Repo.Head);
        Refused(DiagnosticCode.TooManyNodes, "base.yaml(", "validate", "r.yaml");
    }

    [Test]
    public void Twelve_stacked_bases_are_refused()
    {
        for (int i = 1; i <= 12; i++)
        {
            repo.Write($"b{i}.yaml", i == 12 ? Repo.Head : $"extends: b{i + 1}.yaml\n");
        }

        repo.Write("r.yaml", "extends: b1.yaml\n");
        Refused(DiagnosticCode.ExtendsTooDeep, "b10.yaml(1,10)", "validate", "r.yaml");
    }

    // ---- numbers, matrices, names ----

    [Test]
    public void A_matrix_of_2_to_the_64_combinations_is_counted_exactly_not_wrapped_to_0()
    {
        string[] keys =
        [
            "calibration.episodes", "calibration.mpc_iterations", "evaluation.episodes", "evaluation.planner.horizon", "evaluation.planner.samples",
            "evaluation.planner.top_k", "evaluation.planner.opt_steps", "evaluation.planner.max_iterations", "evaluation.planner.alpha",
            "evaluation.planner.sigma", "quantization.weights.group_size", "quantization.method_options.omse.candidates",
            "quantization.method_options.awq.grid", "quantization.method_options.awq.clip_grid", "quantization.method_options.gptq.block_size",
        ];
        string values = string.Join(", ", Enumerable.Range(2, 16));
        repo.Write("r.yaml", Repo.Head + $"matrix:\n  seed: &v [{values}]\n" + string.Concat(keys.Select(k => $"  {k}: *v\n")));
        Assert.That(Refused(DiagnosticCode.MatrixSize, "r.yaml(5,3)", "validate", "r.yaml").Output, Does.Contain("18,446,744,073,709,551,616 combinations"));
    }

    [Test]
    public void A_large_matrix_over_a_large_recipe_is_refused_before_it_is_expanded()
    {
        // 1,200 gates are 6,000 nodes, within the 10,000 a recipe may hold; 1,024 combinations of them are not.
        string gates = "gates:\n" + string.Concat(Enumerable.Repeat("  - { metric: success_rate, min: 0.5 }\n", 1_200));
        repo.Write("r.yaml", Repo.Head + gates + "matrix:\n  seed: [" + string.Join(", ", Enumerable.Range(0, 1024)) + "]\n");
        Assert.That(Refused(DiagnosticCode.MatrixSize, "r.yaml(1206,3)", "validate", "r.yaml").Output, Does.Contain("nodes to check"));
    }

    [Test]
    public void Huge_numbers_are_refused_with_their_ranges_at_their_positions()
    {
        repo.Write("r.yaml", Repo.Head
            + "seed: 99999999999999999999999999999\n"
            + "evaluation: { episodes: 1000000000, seed_offset: 4000000000, planner: { samples: 2147483648, horizon: 100000, sigma: 1e308 } }\n");
        var result = Refused(DiagnosticCode.OutOfRange, "r.yaml(4,7)", "validate", "r.yaml");
        Assert.That(result.Output, Does.Contain("r.yaml(5,25): error WMQ1104: evaluation.episodes is 1000000000; allowed: 1-10000")
            .And.Contain("evaluation.seed_offset is 4000000000; allowed: 0-98")
            .And.Contain("evaluation.planner.horizon is 100000; allowed: 1-64")
            .And.Contain("evaluation.planner.samples is 2147483648; allowed: 1-100000"));
    }

    [Test]
    public void A_250_character_name_is_refused_at_validate()
    {
        repo.Write("r.yaml", Repo.Head.Replace("name: t", "name: " + new string('n', 250), StringComparison.Ordinal));
        Assert.That(Refused(DiagnosticCode.BadFormat, "r.yaml(1,7)", "validate", "r.yaml").Output, Does.Contain("250 characters long"));
    }

    [Test]
    public void A_name_that_matrix_values_make_too_long_is_refused_at_validate()
    {
        repo.Write("r.yaml", Repo.Head.Replace("name: t", "name: " + new string('n', 97), StringComparison.Ordinal) + "matrix:\n  quantization.method: [rtn, omse]\n");
        Assert.That(Refused(DiagnosticCode.BadFormat, "r.yaml(1,7)", "validate", "r.yaml").Output, Does.Contain("with the matrix values appended"));
    }

    [Test]
    public void Control_characters_in_values_are_printed_escaped()
    {
        repo.Write("r.yaml", Repo.Head + "device: \"cpu\\e[31m\\r\\nfake: error\"\n");
        var result = Refused(DiagnosticCode.BadFormat, "r.yaml(4,9)", "validate", "r.yaml");
        Assert.That(result.Output, Does.Contain("\\u001b[31m\\r\\nfake"));
        Assert.That(result.Output.Contains('\u001b', StringComparison.Ordinal), Is.False, "a raw escape character in the output");
    }

    // ---- models and their sidecars (quantize stops at its pre-flight, before a runtime starts) ----

    [Test]
    public void A_checkpoint_with_NaN_and_infinite_weights_is_refused_before_quantization_and_nothing_is_written()
    {
        repo.CopyModel("models/wall");
        repo.PoisonWeights("models/wall/model.safetensors", "encoder.blocks.0.attn.qkv.weight", float.NaN, float.PositiveInfinity, float.NaN);
        repo.Write("r.yaml", Repo.RunnableRecipe("nan"));
        var result = Refused(DiagnosticCode.NonFiniteWeights, "models/wall/model.safetensors", "quantize", "r.yaml");
        Assert.That(result.Output, Does.Contain("encoder.blocks.0.attn.qkv.weight (2 NaN, 1 infinite)"));
    }

    [Test]
    public void A_model_config_that_is_not_UTF_8_is_refused_at_its_byte()
    {
        repo.CopyModel("models/wall");
        repo.WriteBytes("models/wall/model.yaml", [.. "name: caf"u8, 0xE9, (byte)'\n']);
        repo.Write("r.yaml", Repo.RunnableRecipe("latin"));
        Refused(DiagnosticCode.NotText, "models/wall/model.yaml(1,10)", "quantize", "r.yaml");
    }

    [Test]
    public void A_model_config_describing_gigabytes_beside_a_small_checkpoint_is_refused_before_allocation()
    {
        repo.CopyModel("models/wall");
        string config = File.ReadAllText(repo.Combine("models/wall/model.yaml"));
        repo.Write("models/wall/model.yaml", config.Replace("mlp_dim: 384", "mlp_dim: 65536", StringComparison.Ordinal)
            .Replace("channels: 32", "channels: 60000", StringComparison.Ordinal));
        repo.Write("r.yaml", Repo.RunnableRecipe("huge"));
        Assert.That(Refused(DiagnosticCode.ModelConfigUnparsable, "models/wall/model.yaml", "quantize", "r.yaml").Output,
            Does.Contain("does not belong to this checkpoint"));
    }

    [Test]
    public void A_deeply_nested_normalization_json_is_stopped_at_the_depth_limit()
    {
        repo.CopyModel("models/wall");
        repo.Write("models/wall/normalization.json", new string('[', 100_000) + new string(']', 100_000));
        repo.Write("r.yaml", Repo.RunnableRecipe("deep"));
        Refused(DiagnosticCode.NestingTooDeep, "models/wall/normalization.json(1,", "quantize", "r.yaml");
    }

    [Test]
    public void A_normalization_json_with_a_duplicate_key_is_refused()
    {
        repo.CopyModel("models/wall");
        repo.Write("models/wall/normalization.json", """{ "action_mean": [0, 0], "action_mean": [1, 1] }""");
        repo.Write("r.yaml", Repo.RunnableRecipe("dup"));
        Assert.That(Refused(DiagnosticCode.NormalizationUnusable, "models/wall/normalization.json(1,", "quantize", "r.yaml").Output, Does.Contain("repeats the key"));
    }

    [Test]
    public void A_50_MB_evaluation_record_given_to_gate_is_refused_by_its_size()
    {
        repo.Sized("e.json", "[1,", 50 << 20);
        Refused(DiagnosticCode.FileTooLarge, "e.json(1,1)", "gate", "--candidate", "e.json", "--min-success", "0.5");
    }

    [Test]
    public void A_deeply_nested_evaluation_record_given_to_gate_is_stopped_at_the_depth_limit()
    {
        repo.Write("e.json", new string('{', 1) + "\"a\":" + new string('[', 100_000) + new string(']', 100_000) + "}");
        Refused(DiagnosticCode.NestingTooDeep, "e.json(1,", "gate", "--candidate", "e.json", "--min-success", "0.5");
    }

    // ---- the harness ----

    private MeasuredResult Refused(string code, string? position, params string[] arguments) => Check(2, code, position, arguments);

    private MeasuredResult Accepted(params string[] arguments) => Check(0, null, null, arguments);

    /// <summary>Runs wmq in the repository and checks the exit code, the code and position, the time and memory bounds, and that nothing was left behind.</summary>
    private MeasuredResult Check(int exitCode, string? code, string? position, string[] arguments)
    {
        var before = repo.Snapshot();
        var result = Startup.RunWithinBudget(ref startup, repo.Root, arguments);
        string name = TestContext.CurrentContext.Test.Name;
        Measurements.Add(string.Create(CultureInfo.InvariantCulture,
            $"{name} [{string.Join(' ', arguments.Select(a => a.Length > 24 ? a[..24] + "…" : a))}]: exit {result.ExitCode}, {result.Wall.TotalSeconds:F2} s ({result.Cpu.TotalSeconds:F2} s CPU), {result.PeakKilobytes / 1024} MB; {FirstError(result.Output)}"));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode), result.ToString());
            if (code is not null)
            {
                Assert.That(result.Output, Does.Contain($"error {code}: "), result.ToString());
            }

            if (position is not null)
            {
                Assert.That(result.Output, Does.Contain($"{position}").And.Match($"(?m)^{System.Text.RegularExpressions.Regex.Escape(position)}.*error {code}"),
                    result.ToString());
            }

            Assert.That(result.Output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at ").And.Not.Contain("WMQ3302"), result.ToString());
            Assert.That(result.Cpu, Is.LessThanOrEqualTo(startup.Cpu + Budget), $"CPU time beyond start-up ({startup.Cpu.TotalSeconds:F2} s) + 2 s\n{result}");
            Assert.That(result.PeakKilobytes, Is.InRange(1, PeakLimitKilobytes), $"peak resident memory\n{result}");
            Assert.That(repo.Snapshot(), Is.EqualTo(before), "the run left something behind (artifacts/, .wmq/cache, a temporary file)");
        });
        return result;
    }

    private static string FirstError(string output) =>
        output.Split('\n').FirstOrDefault(l => l.Contains(": error WMQ", StringComparison.Ordinal) || l.StartsWith("error WMQ", StringComparison.Ordinal))?.Trim() is { } line
            ? line.Length > 160 ? line[..160] + "…" : line
            : "(no error line)";

    /// <summary>Well-known codes, spelled here as the process prints them (the test assembly does not reference the contract).</summary>
    private static class DiagnosticCode
    {
        public const string MalformedYaml = "WMQ1002";
        public const string DuplicateKey = "WMQ1003";
        public const string BadDocument = "WMQ1004";
        public const string NotRegularFile = "WMQ1006";
        public const string FileTooLarge = "WMQ1007";
        public const string NotText = "WMQ1008";
        public const string NestingTooDeep = "WMQ1009";
        public const string TooManyNodes = "WMQ1010";
        public const string OutOfRange = "WMQ1104";
        public const string BadFormat = "WMQ1106";
        public const string PathEscapesRepository = "WMQ1302";
        public const string UnresolvablePath = "WMQ1304";
        public const string ExtendsTooDeep = "WMQ1305";
        public const string MatrixSize = "WMQ1403";
        public const string NormalizationUnusable = "WMQ3001";
        public const string ModelConfigUnparsable = "WMQ3003";
        public const string NonFiniteWeights = "WMQ3004";
    }

    /// <summary>A throwaway repository (a folder with .git) inside a folder that stands for "outside the repository".</summary>
    internal sealed class Repo : IDisposable
    {
        /// <summary>A valid recipe for validate (the checkpoint only has to exist), three lines long.</summary>
        public const string Head = "name: t\nmodel: { checkpoint: m.safetensors }\nenvironment: wall\n";

        private readonly TempFolder outer = new("wmq-hostile");

        public Repo()
        {
            Root = outer.Combine("repo");
            Directory.CreateDirectory(Path.Combine(Root, ".git"));
            Write("m.safetensors", "not a checkpoint; validate only checks that it is a file");
        }

        public string Root { get; }

        /// <summary>A recipe of the bundled model that quantize can run (line 3 holds the model paths).</summary>
        public static string RunnableRecipe(string name) => $$"""
            version: 1
            name: {{name}}
            model: { checkpoint: models/wall/model.safetensors, config: models/wall/model.yaml }
            environment: wall
            device: cpu
            quantization: { method: rtn, weights: { bits: 4, granularity: group, group_size: 32 } }
            evaluation: { episodes: 2, planner: { profile: cpu, max_iterations: 1 } }
            artifact: { name: {{name}}, version: 1.0.0 }

            """;

        /// <summary>One line per level: an anchor of ten entries each aliasing the level before, so level n expands to over 10^n nodes.</summary>
        public static string AliasBomb(string name, int levels, bool mapping = false)
        {
            var text = new StringBuilder($"{name}0: &{name}0 x\n");
            for (int level = 1; level <= levels; level++)
            {
                string items = string.Join(", ", Enumerable.Range(0, 10).Select(i => mapping ? $"k{i}: *{name}{level - 1}" : $"*{name}{level - 1}"));
                text.Append(CultureInfo.InvariantCulture, $"{name}{level}: &{name}{level} {(mapping ? "{ " + items + " }" : "[" + items + "]")}\n");
            }

            return text.ToString();
        }

        public string Combine(string relative) => Path.Combine(Root, relative);

        public string Outside(string relative) => outer.Combine(relative);

        public string Write(string relative, string text)
        {
            string path = Combine(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            return path;
        }

        public void WriteBytes(string relative, byte[] bytes) => File.WriteAllBytes(Combine(relative), bytes);

        /// <summary>A file of <paramref name="length"/> bytes starting with <paramref name="start"/> (the rest a sparse tail: sizes are refused unread).</summary>
        public void Sized(string relative, string start, long length)
        {
            using var stream = File.Create(Combine(relative));
            stream.Write(Encoding.UTF8.GetBytes(start));
            stream.SetLength(length);
        }

        public void Fifo(string relative)
        {
            var made = ProcessRun.Run("mkfifo", Root, TimeSpan.FromSeconds(10), relative);
            if (made.ExitCode != 0)
            {
                Assert.Ignore($"mkfifo is not available: {made}");
            }
        }

        /// <summary>The bundled Wall model's files copied to <paramref name="folder"/> (in the repository, or outside it).</summary>
        public void CopyModel(string folder, bool outside = false)
        {
            string target = outside ? Outside(folder) : Combine(folder);
            Directory.CreateDirectory(target);
            foreach (string file in new[] { "model.safetensors", "model.yaml", "normalization.json" })
            {
                File.Copy(Path.Combine(RepositoryLayout.WallModel, file), Path.Combine(target, file));
            }
        }

        /// <summary>Overwrites the first values of an F32 tensor in place.</summary>
        public void PoisonWeights(string relative, string tensor, params float[] values)
        {
            string path = Combine(relative);
            byte[] bytes = File.ReadAllBytes(path);
            long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
            using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            long begin = header.RootElement.GetProperty(tensor).GetProperty("data_offsets")[0].GetInt64();
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength + begin + (4 * i))), values[i]);
            }

            File.WriteAllBytes(path, bytes);
        }

        /// <summary>Every entry under the outer folder with its size: equal before and after a run means nothing was written.</summary>
        public IReadOnlyList<string> Snapshot()
        {
            var entries = new List<string>();
            var pending = new Stack<string>([outer.Path]);
            while (pending.Count > 0)
            {
                foreach (var entry in new DirectoryInfo(pending.Pop()).EnumerateFileSystemInfos())
                {
                    bool link = entry.LinkTarget is not null;
                    entries.Add($"{entry.FullName}|{(entry is FileInfo file && !link ? file.Length : -1)}");
                    if (entry is DirectoryInfo && !link)
                    {
                        pending.Push(entry.FullName);
                    }
                }
            }

            entries.Sort(StringComparer.Ordinal);
            return entries;
        }

        public void Dispose() => outer.Dispose();

    }
}
