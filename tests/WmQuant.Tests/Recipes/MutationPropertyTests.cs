using System.Diagnostics;
using System.Text;
using WmQuant.Cli;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Models.Checkpoints;
using WmQuant.Recipes;
using WmQuant.TestSupport;

namespace WmQuant.Tests.Recipes;

/// <summary>
/// The property behind the hostile-input policy, in process and for many cases: random byte damage to a valid recipe,
/// its base, the model config or normalization.json only ever gives exit 0 or 2 (an evaluation record or baseline
/// given to wmq gate: 0, 1 or 2), never an exception, never exit 3;
/// every problem has a code and, in a recipe, a line and column, and no case takes long. The same draws, run as
/// processes for a small sample, check time and memory (WmQuant.IntegrationTests: MutationSampleTests).
/// </summary>
public sealed class MutationPropertyTests
{
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(2);

    private static readonly HashSet<string> ModelFileCodes =
    [
        DiagnosticCodes.NormalizationUnusable, DiagnosticCodes.ModelUnreadable, DiagnosticCodes.ModelConfigUnparsable, DiagnosticCodes.NonFiniteWeights,
        DiagnosticCodes.NotRegularFile, DiagnosticCodes.FileTooLarge, DiagnosticCodes.NotText, DiagnosticCodes.NestingTooDeep, DiagnosticCodes.TooManyNodes,
    ];

    [Test]
    public void The_valid_inputs_are_valid()
    {
        using var ws = new Corpus();
        var (code, output) = Validate(ws);
        Assert.That(code, Is.EqualTo(ExitCodes.Passed), output);
        Assert.That(ModelBundle.Check(ws.Checkpoint, ws.Config), Is.Empty);
    }

    [TestCase(MutationCorpus.RecipeStream, "r.yaml", 200)]
    [TestCase(MutationCorpus.BaseStream, "base.yaml", 80)]
    public void Damaged_recipes_give_exit_0_or_2_with_positions(ulong stream, string file, int cases)
    {
        using var ws = new Corpus();
        byte[] valid = File.ReadAllBytes(ws.Path(file));
        int stillValid = 0;
        foreach (int seed in ByteMutations.Seeds(cases, stream))
        {
            File.WriteAllBytes(ws.Path(file), ByteMutations.Mutate(valid, seed));
            var clock = Stopwatch.StartNew();
            var loaded = RecipeLoader.Load(ws.Path("r.yaml"));
            var (code, output) = Validate(ws);
            stillValid += code == ExitCodes.Passed ? 1 : 0;
            string context = $"seed {seed} of {file}:\n{output}";
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo(ExitCodes.Passed).Or.EqualTo(ExitCodes.InvalidInput), context);
                Assert.That(code == ExitCodes.Passed, Is.EqualTo(loaded.IsValid), context);
                Assert.That(loaded.Problems.Where(p => p.Position is not { Line: >= 1, Column: >= 1 }).Select(p => p.ToCanonicalString()), Is.Empty, context);
                Assert.That(output, Does.Not.Contain(DiagnosticCodes.InternalError), context);
                Assert.That(output.Any(c => char.IsControl(c) && c is not '\n' and not '\r'), Is.False, $"raw control characters; {context}");
                Assert.That(clock.Elapsed, Is.LessThan(CaseLimit), context);
            });
        }

        TestContext.Progress.WriteLine($"{file}: {stillValid} of {cases} damaged copies still valid (exit 0), the rest refused (exit 2)");
    }

    [Test]
    public void Damaged_model_configs_give_exit_0_or_2_and_model_problems_only()
    {
        using var ws = new Corpus();
        byte[] valid = File.ReadAllBytes(ws.Config);
        foreach (int seed in ByteMutations.Seeds(100, MutationCorpus.ConfigStream))
        {
            File.WriteAllBytes(ws.Config, ByteMutations.Mutate(valid, seed));
            var clock = Stopwatch.StartNew();
            var (code, output) = Validate(ws);
            var problems = ModelBundle.Check(ws.Checkpoint, ws.Config);
            string context = $"seed {seed}:\n{Encoding.UTF8.GetString(File.ReadAllBytes(ws.Config))}\n{output}";
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo(ExitCodes.Passed).Or.EqualTo(ExitCodes.InvalidInput), context);
                Assert.That(problems.Select(p => p.Code).Distinct(), Is.SubsetOf(ModelFileCodes), context);
                Assert.That(clock.Elapsed, Is.LessThan(CaseLimit), context);
            });
        }
    }

    [Test]
    public void Damaged_normalization_statistics_are_problems_not_exceptions()
    {
        using var ws = new Corpus();
        string path = ws.Path("models/wall/normalization.json");
        byte[] valid = File.ReadAllBytes(path);
        foreach (int seed in ByteMutations.Seeds(100, MutationCorpus.NormalizationStream))
        {
            File.WriteAllBytes(path, ByteMutations.Mutate(valid, seed));
            var clock = Stopwatch.StartNew();
            var problems = ModelBundle.Check(ws.Checkpoint, ws.Config);
            string context = $"seed {seed}:\n{Encoding.UTF8.GetString(File.ReadAllBytes(path))}\n{string.Join("\n", problems)}";
            Assert.Multiple(() =>
            {
                Assert.That(problems.Select(p => p.Code).Distinct(), Is.SubsetOf(ModelFileCodes), context);
                Assert.That(problems.Select(p => p.Position?.File), Has.All.EqualTo(path), "every problem is normalization.json's; " + context);
                Assert.That(clock.Elapsed, Is.LessThan(CaseLimit), context);
            });
        }
    }

    [Test]
    public void Damaged_evaluation_records_and_baselines_given_to_gate_give_exit_0_1_or_2()
    {
        using var ws = new Corpus();
        string baseline = ws.Path("models/wall/baseline.json");
        File.Copy(RepositoryFiles.PathOf(System.IO.Path.Combine("models", "wall", "baseline.json")), baseline);
        string candidate = ws.Path("candidate.json");
        using (var document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(baseline)))
        {
            File.WriteAllText(candidate, document.RootElement.GetProperty("evaluations")[0].GetRawText());
        }

        byte[] validCandidate = File.ReadAllBytes(candidate);
        byte[] validBaseline = File.ReadAllBytes(baseline);
        Assert.That(Gate(candidate, baseline).Code, Is.EqualTo(ExitCodes.Passed), "the undamaged pair");
        foreach (int seed in ByteMutations.Seeds(100, MutationCorpus.EvaluationStream))
        {
            bool damageBaseline = seed % 2 == 0;
            File.WriteAllBytes(candidate, damageBaseline ? validCandidate : ByteMutations.Mutate(validCandidate, seed));
            File.WriteAllBytes(baseline, damageBaseline ? ByteMutations.Mutate(validBaseline, seed) : validBaseline);
            var clock = Stopwatch.StartNew();
            var (code, output) = Gate(candidate, baseline);
            string context = $"seed {seed} ({(damageBaseline ? "baseline" : "candidate")}):\n{output}";
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.AnyOf(ExitCodes.Passed, ExitCodes.GateFailed, ExitCodes.InvalidInput), context);
                Assert.That(output, Does.Not.Contain(DiagnosticCodes.InternalError), context);
                Assert.That(clock.Elapsed, Is.LessThan(CaseLimit), context);
            });
        }
    }

    [Test]
    public void The_process_sample_draws_the_first_cases_of_the_same_sequence()
    {
        Assert.That(ByteMutations.Seeds(200, MutationCorpus.RecipeStream).Take(10), Is.EqualTo(ByteMutations.Seeds(10, MutationCorpus.RecipeStream)));
    }

    private static (int Code, string Output) Gate(string candidate, string baseline)
    {
        using var output = new StringWriter();
        int code = Program.Run(["gate", "--candidate", candidate, "--baseline", baseline, "--min-success", "0.5", "--max-drop", "0.2"], output, output, CliServices.Default);
        return (code, output.ToString());
    }

    private static (int Code, string Output) Validate(Corpus ws)
    {
        using var output = new StringWriter();
        int code = Program.Run(["validate", ws.Path("r.yaml")], output, output, CliServices.Default);
        return (code, output.ToString());
    }

    /// <summary>A repository holding the corpus recipe, its base and a copy of the bundled Wall model.</summary>
    private sealed class Corpus : IDisposable
    {
        private readonly RecipeWorkspace inner = new();

        public Corpus()
        {
            inner.Write("r.yaml", MutationCorpus.Recipe);
            inner.Write("base.yaml", MutationCorpus.Base);
            Directory.CreateDirectory(Path("models/wall"));
            foreach (string file in new[] { "model.safetensors", "model.yaml", "normalization.json" })
            {
                File.Copy(RepositoryFiles.PathOf(System.IO.Path.Combine("models", "wall", file)), Path($"models/wall/{file}"));
            }
        }

        public string Checkpoint => Path("models/wall/model.safetensors");

        public string Config => Path("models/wall/model.yaml");

        public string Path(string relative) => System.IO.Path.Combine(inner.Root, relative);

        public void Dispose() => inner.Dispose();
    }
}
