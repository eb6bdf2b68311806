using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using WmQuant.Contract;
using WmQuant.IO;
using WmQuant.IO.Safetensors;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning.Evaluation;
using WmQuant.Quantization.Packing;
using WmQuant.Recipes;
using WmQuant.Runtime;
using WmQuant.TestSupport;
using WmQuant.Tests.Pipeline;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Cli;

/// <summary>
/// The artifact as a model input: one artifact made by `wmq run` of the quick recipe (the integration fixtures' recipe:
/// RTN W4 g128, 2 episodes, 1 MPC iteration, CPU planner profile), then re-evaluated by `wmq eval --artifact`, re-gated
/// by recipes naming `model: { artifact: }`, described by `wmq inspect`, and refused in every damaged form.
/// </summary>
[NonParallelizable]
public sealed class ArtifactInputTests
{
    private static readonly string QuickRecipe = QuickRecipes.Text("quick") + "\n";

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private PipelineWorkspace workspace = null!;

    private string Artifact => Path.Combine(workspace.Output, "quick");

    private ArtifactManifest Manifest => ArtifactManifest.Load(Path.Combine(Artifact, ArtifactManifest.FileName));

    [OneTimeSetUp]
    public void RunTheQuickRecipe()
    {
        workspace = new PipelineWorkspace();
        string recipe = Path.Combine(workspace.Root, "quick.yaml");
        File.WriteAllText(recipe, QuickRecipe);
        var run = Wmq("run", recipe);
        Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Passed), run.ToString());
    }

    [OneTimeTearDown]
    public void DeleteWorkspace() => workspace.Dispose();

    /// <summary>wmq with the workspace's repository root, output and stage cache (run, quantize) or as given (others).</summary>
    private WmqResult Wmq(params string[] args) => args[0] is "run"
        ? WmqResult.Run([.. args, "--repo-root", workspace.Root, "--out", workspace.Output, "--cache", workspace.Cache, "--device", "cpu", "--quiet"])
        : WmqResult.Run(args);

    /// <summary>`wmq eval --artifact` with the quick recipe's planner (the CPU profile, 1 MPC iteration) and episodes.</summary>
    private static string[] EvalArguments(string artifact, params string[] extra)
    {
        var cpu = PlannerDefaults.Standard.For("wall", "cpu");
        string N(int value) => value.ToString(CultureInfo.InvariantCulture);
        return
        [
            "eval", "--artifact", artifact, "--env", "wall", "--episodes", "2", "--max-iterations", "1", "--horizon", N(cpu.Horizon),
            "--samples", N(cpu.Samples), "--top-k", N(cpu.TopK), "--opt-steps", N(cpu.OptSteps), "--seed", "0", "--device", "cpu", .. extra,
        ];
    }

    [Test]
    public void eval_of_the_artifact_reproduces_the_quantized_evaluation_of_the_run_that_made_it_episode_for_episode()
    {
        using var tmp = new TempDirectory();
        string record = Path.Combine(tmp.Path, "eval.json");

        var eval = Wmq(EvalArguments(Artifact, "--out", record));

        var recorded = Manifest.Quantized!;
        var again = EvaluationRecord.Load(record);
        Assert.Multiple(() =>
        {
            Assert.That(eval.ExitCode, Is.EqualTo(ExitCodes.Passed), eval.ToString());
            Assert.That(again.Episodes, Has.Count.EqualTo(2));
            Assert.That(again.Episodes, Is.EqualTo(recorded.Episodes), "success, final distance and iterations of every episode, exactly");
            Assert.That(again.MeanPlanLossPerIteration, Is.EqualTo(recorded.MeanPlanLossPerIteration));
            Assert.That(again.MeanLossPerOptStep, Is.EqualTo(recorded.MeanLossPerOptStep));
            Assert.That(again.ModelSha256, Is.EqualTo(recorded.ModelSha256), "keyed by the same artifact digest");
            Assert.That(again.Quantization, Is.EqualTo(recorded.Quantization));
            Assert.That(again.Planner, Is.EqualTo(recorded.Planner));
            Assert.That(eval.Out, Does.Contain("recorded      identical to the manifest's quantized evaluation, episode for episode (2/2)"));
        });
    }

    /// <summary>
    /// The other way an artifact comes about: `wmq quantize` (no evaluation, no cache) packs the same files, and
    /// evaluating that folder gives the success and episodes `wmq run` measured in-run on the same seeds.
    /// </summary>
    [Test]
    public void eval_of_a_fresh_wmq_quantize_artifact_matches_the_in_run_evaluation_on_the_same_seeds()
    {
        using var tmp = new TempDirectory();
        string recipe = Path.Combine(workspace.Root, "quick.yaml");
        var quantize = WmqResult.Run(["quantize", recipe, "--repo-root", workspace.Root, "--out", tmp.Path, "--no-cache", "--device", "cpu", "--quiet"]);
        string folder = Path.Combine(tmp.Path, "quick");
        string record = Path.Combine(tmp.Path, "eval.json");

        var eval = Wmq(EvalArguments(folder, "--out", record));

        var inRun = Manifest.Quantized!;
        Assert.That(quantize.ExitCode, Is.EqualTo(ExitCodes.Passed), quantize.ToString());
        Assert.That(eval.ExitCode, Is.EqualTo(ExitCodes.Passed), eval.ToString());
        var again = EvaluationRecord.Load(record);
        Assert.Multiple(() =>
        {
            Assert.That(ArtifactManifest.Load(Path.Combine(folder, ArtifactManifest.FileName)).Quantized, Is.Null, "wmq quantize evaluates nothing");
            Assert.That(QuantizedModelArtifact.Digest(folder), Is.EqualTo(QuantizedModelArtifact.Digest(Artifact)), "the same packed model");
            Assert.That(again.Episodes.Select(e => e.Seed), Is.EqualTo(inRun.Episodes.Select(e => e.Seed)), "the same seeds");
            Assert.That(again.Episodes.Count(e => e.Success), Is.EqualTo(inRun.Episodes.Count(e => e.Success)), "the same success");
            Assert.That(again.Episodes, Is.EqualTo(inRun.Episodes), "episode for episode");
            Assert.That(eval.Out, Does.Not.Contain("recorded "), "no evaluation in the manifest to compare with");
        });
    }

    [Test]
    public void the_artifact_is_self_contained_its_model_files_alone_rebuild_the_model_and_the_manifest_hashes_what_they_copy()
    {
        TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cpu", Seed = 0 });
        using var tmp = new TempDirectory();
        var (files, problem) = QuantizedModelArtifact.ModelFiles(Artifact);
        Assert.That(problem, Is.Null);
        foreach (string file in files)
        {
            File.Copy(Path.Combine(Artifact, file), Path.Combine(tmp.Path, file));
        }

        var (copy, copyProblems) = ArtifactModelInput.Open(tmp.Path);
        var (original, _) = ArtifactModelInput.Open(Artifact);
        Assert.That(copyProblems, Is.Empty);
        var (rebuilt, _) = copy!.Load(CPU);
        var (reference, _) = original!.Load(CPU);
        using var a = rebuilt!;
        using var b = reference!;

        string models = Path.Combine(workspace.Root, "models", "wall");
        var normalization = JsonSerializer.Deserialize<NormalizationRecord>(
            File.ReadAllText(Path.Combine(models, NormalizationRecord.FileName)), SnakeCase)!;
        var manifest = Manifest;
        var referenceWeights = b.state_dict();
        Assert.Multiple(() =>
        {
            Assert.That(copy.Digest, Is.EqualTo(original.Digest), "the digest covers the model files only");
            Assert.That(copy.ModelConfig, Is.EqualTo(WorldModelConfigYaml.Load(Path.Combine(models, "model.yaml")).Config));
            Assert.That(copy.Normalization.ActionMean, Is.EqualTo(normalization.ActionMean));
            Assert.That(copy.Normalization.ActionStd, Is.EqualTo(normalization.ActionStd));
            Assert.That(copy.Normalization.ProprioMean, Is.EqualTo(normalization.ProprioMean));
            Assert.That(copy.Normalization.ProprioStd, Is.EqualTo(normalization.ProprioStd));
            Assert.That(copy.SourceModelSha256, Is.EqualTo(FileHashes.Sha256(Path.Combine(models, "model.safetensors"))));
            foreach (var (name, value) in a.state_dict())
            {
                Assert.That(WmQuant.Tests.Quantization.QuantModelTestSupport.Identical(value, referenceWeights[name]), Is.True, name);
            }

            Assert.That(manifest.Files.Single(f => f.Path == ArtifactConfigFile.FileName).Sha256,
                Is.EqualTo(FileHashes.Sha256(Path.Combine(Artifact, ArtifactConfigFile.FileName))), "config.json (model config, normalization) is hashed");
            Assert.That(manifest.ModelFiles!.Select(f => (f.Path, f.Sha256)), Is.EqualTo(new[]
            {
                ("models/wall/model.yaml", FileHashes.Sha256(Path.Combine(models, "model.yaml"))),
                ("models/wall/normalization.json", FileHashes.Sha256(Path.Combine(models, NormalizationRecord.FileName))),
            }));
        });
    }

    private static readonly string[] BadArtifacts = ["missing folder", "a file", "damaged config.json", "another model's shape", "modified weights"];

    [TestCaseSource(nameof(BadArtifacts))]
    public void eval_of_an_unusable_artifact_exits_2_with_the_reason_and_plans_nothing(string damage)
    {
        using var tmp = new TempDirectory();
        string folder = Path.Combine(tmp.Path, "artifact");
        string expected;
        string code = DiagnosticCodes.ModelUnreadable;
        switch (damage)
        {
            case "missing folder":
                expected = "no such artifact folder";
                break;
            case "a file":
                CopyModelFiles(folder);
                folder = Path.Combine(folder, ArtifactConfigFile.FileName);
                expected = "is a file; an artifact is a folder: name the folder that holds config.json";
                break;
            case "damaged config.json":
                CopyModelFiles(folder);
                string config = Path.Combine(folder, ArtifactConfigFile.FileName);
                File.WriteAllText(config, File.ReadAllText(config)[..200]);
                expected = "not a usable artifact config.json: not valid JSON";
                break;
            case "another model's shape":
                CopyModelFiles(folder);
                string text = File.ReadAllText(Path.Combine(folder, ArtifactConfigFile.FileName));
                Assert.That(text, Does.Contain("encoder:\\n  dim: 96\\n"));
                File.WriteAllText(Path.Combine(folder, ArtifactConfigFile.FileName), text.Replace("encoder:\\n  dim: 96\\n", "encoder:\\n  dim: 192\\n", StringComparison.Ordinal));
                expected = "but the model's layer is [";
                break;
            default:
                CopyFolder(Artifact, folder);
                using (var stream = new FileStream(Path.Combine(folder, QuantizedModelArtifact.WeightsFileName), FileMode.Open))
                {
                    stream.Seek(-1, SeekOrigin.End);
                    int last = stream.ReadByte();
                    stream.Seek(-1, SeekOrigin.End);
                    stream.WriteByte((byte)(last ^ 1));
                }

                code = DiagnosticCodes.ArtifactMismatch;
                expected = "artifact does not match its manifest: SHA-256";
                break;
        }

        var eval = Wmq(EvalArguments(folder));

        Assert.Multiple(() =>
        {
            Assert.That(eval.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), eval.ToString());
            Assert.That(eval.Error, Does.Contain($"error {code}: ").And.Contain(expected));
            Assert.That(eval.Error, Does.Not.Contain(DiagnosticCodes.InternalError));
            Assert.That(eval.Error, Does.Not.Contain("MPC iteration"), "nothing planned");
            Assert.That(eval.Out, Is.Empty);
        });
    }

    private static readonly (string Name, ushort Half, string Shown)[] BadScales =
    [
        ("NaN", 0x7E00, "NaN"), ("infinity", 0x7C00, "Infinity"), ("zero", 0x0000, "0"), ("negative", 0xBC00, "-1"),
    ];

    private static IEnumerable<TestCaseData> BadScaleCases() => BadScales.Select(s => new TestCaseData(s.Half, s.Shown).SetName($"eval refuses a {s.Name} scale"));

    /// <summary>
    /// Without a manifest no hash catches a changed scale, so the load-time checks must: one float16 scale of the first
    /// layer overwritten in place (the file otherwise intact) is refused before planning, naming the tensor and value.
    /// </summary>
    [TestCaseSource(nameof(BadScaleCases))]
    public void eval_of_a_bare_artifact_with_an_unusable_scale_exits_2_naming_the_tensor(ushort half, string shown)
    {
        using var tmp = new TempDirectory();
        string folder = Path.Combine(tmp.Path, "bare");
        CopyModelFiles(folder);
        string weights = Path.Combine(folder, QuantizedModelArtifact.WeightsFileName);
        long dataStart;
        SafetensorsTensorInfo scale;
        string layer = ArtifactConfigFile.Read(folder).Config!.Quantization.Layers[0].Name;
        using (var file = SafetensorsFile.Open(weights))
        {
            dataStart = file.DataStart;
            scale = file.Tensors.Single(t => t.Name == layer + "." + PackedLinearWeight.ScaleName);
        }

        Assert.That(scale.DType, Is.EqualTo(SafetensorsDType.F16));
        using (var stream = new FileStream(weights, FileMode.Open))
        {
            stream.Seek(dataStart + scale.Begin, SeekOrigin.Begin);
            stream.Write([(byte)(half & 0xFF), (byte)(half >> 8)]);
        }

        var eval = Wmq(EvalArguments(folder));

        Assert.Multiple(() =>
        {
            Assert.That(eval.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), eval.ToString());
            Assert.That(eval.Error, Does.Contain($"error {DiagnosticCodes.ModelUnreadable}: ")
                .And.Contain($"{layer}.{PackedLinearWeight.ScaleName}[0, 0] = {shown} is not a finite positive scale"));
            Assert.That(eval.Error, Does.Not.Contain(DiagnosticCodes.InternalError));
            Assert.That(eval.Out, Is.Empty, "nothing planned");
        });
    }

    [Test]
    public void eval_names_the_model_once_and_never_requantizes_an_artifact()
    {
        var both = Wmq(EvalArguments(Artifact, "--model", Path.Combine(workspace.Root, "models", "wall", "model.safetensors")));
        var neither = Wmq("eval", "--env", "wall", "--device", "cpu");
        var requantized = Wmq(EvalArguments(Artifact, "--weight-bits", "8"));
        var weightsOnly = Wmq("eval", "--model", Path.Combine(Artifact, QuantizedModelArtifact.WeightsFileName), "--env", "wall", "--device", "cpu");

        Assert.Multiple(() =>
        {
            foreach (var result in new[] { both, neither, requantized, weightsOnly })
            {
                Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
                Assert.That(result.Out, Is.Empty);
            }

            Assert.That(both.Error + neither.Error, Does.Contain("exactly one of --model (a float checkpoint) and --artifact"));
            Assert.That(requantized.Error, Does.Contain("--weight-bits quantize a float checkpoint; an artifact is evaluated as it was quantized"));
            Assert.That(weightsOnly.Error, Does.Contain($"error {DiagnosticCodes.ModelUnreadable}: these are the packed weights of a quantized artifact")
                .And.Contain($"evaluate the artifact with --artifact {Artifact}"));
        });
    }

    [Test]
    public void a_recipe_naming_the_artifact_and_its_checkpoint_regates_it_without_quantizing_again()
    {
        string recipe = WriteRecipe("regate", "{ artifact: artifacts/quick, checkpoint: models/wall/model.safetensors }",
            "{ metric: success_rate, max_drop_vs_baseline: 0.0 }");

        var run = Wmq("run", recipe);

        string regated = Path.Combine(workspace.Output, "regate");
        var manifest = ArtifactManifest.Load(Path.Combine(regated, ArtifactManifest.FileName));
        var source = Manifest;
        string Json(EvaluationRecord? r) => JsonSerializer.Serialize(r, EvaluationRecord.JsonOptions);
        // Beside the recipe it came from, the resolved recipe loads back (its paths are relative to that folder).
        string resolved = Path.Combine(workspace.Root, "regate.resolved.json");
        File.Copy(Path.Combine(regated, "recipe.resolved.json"), resolved, overwrite: true);
        var reloaded = RecipeLoader.Load(resolved, new RecipeLoadOptions { RepositoryRoot = workspace.Root });
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Passed), run.ToString());
            Assert.That(run.Error, Does.Not.Contain("warning"));
            Assert.That(manifest.Timings.Keys, Does.Not.Contain("quantize"), "not quantized again");
            Assert.That(Json(manifest.Quantized), Is.EqualTo(Json(source.Quantized)), "the same evaluation, taken from the stage cache by the same key");
            Assert.That(Json(manifest.Baseline), Is.EqualTo(Json(source.Baseline)));
            Assert.That(manifest.SourceArtifact, Is.EqualTo(new SourceArtifactInfo("artifacts/quick", "quick", "1.0.0",
                QuantizedModelArtifact.Digest(Artifact), FileHashes.Sha256(Path.Combine(Artifact, ArtifactManifest.FileName)))));
            Assert.That(QuantizedModelArtifact.Digest(regated), Is.EqualTo(QuantizedModelArtifact.Digest(Artifact)), "the model files, copied as they are");
            Assert.That(manifest.Quantization.Summary, Is.EqualTo(source.Quantization.Summary));
            Assert.That(manifest.Quantization.Layers, Is.EqualTo(source.Quantization.Layers));
            Assert.That(manifest.Model, Is.EqualTo(source.Model));
            Assert.That(manifest.Gates.Single().Verdict, Is.EqualTo("passed"));
            Assert.That(reloaded.Problems, Is.Empty, "the resolved recipe loads back without a warning");
            Assert.That(reloaded.Recipes.Single().Quantization.Describe(), Is.EqualTo("rtn W4 g128 A16"));
        });
    }

    [Test]
    public void a_recipe_naming_only_the_artifact_gates_it_without_an_fp_model()
    {
        string recipe = WriteRecipe("regate-alone", "{ artifact: artifacts/quick }", "{ metric: success_rate, min: 0.0 }");

        var run = Wmq("run", recipe);

        var manifest = ArtifactManifest.Load(Path.Combine(workspace.Output, "regate-alone", ArtifactManifest.FileName));
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.Passed), run.ToString());
            Assert.That(manifest.Baseline, Is.Null, "no checkpoint, no FP evaluation");
            Assert.That(manifest.Quantized!.Episodes, Is.EqualTo(Manifest.Quantized!.Episodes));
            Assert.That(manifest.Model, Is.EqualTo(Manifest.Model), "the source checkpoint as the artifact's manifest records it");
            Assert.That(manifest.ModelFiles, Is.EqualTo(Manifest.ModelFiles));
        });
    }

    [Test]
    public void a_run_refuses_an_artifact_modified_after_it_was_written_and_writes_nothing()
    {
        string copy = Path.Combine(workspace.Root, "artifacts-copy", "quick");
        CopyFolder(Artifact, copy);
        File.AppendAllText(Path.Combine(copy, ArtifactConfigFile.FileName), " ");
        string recipe = WriteRecipe("regate-tampered", "{ artifact: artifacts-copy/quick }", "{ metric: success_rate, min: 0.0 }");

        var run = Wmq("run", recipe);

        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), run.ToString());
            Assert.That(run.Error + run.Out, Does.Contain($"{Path.Combine(copy, ArtifactConfigFile.FileName)}: error {DiagnosticCodes.ArtifactMismatch}: "));
            Assert.That(Directory.Exists(Path.Combine(workspace.Output, "regate-tampered")), Is.False, "nothing written");
        });
        Directory.Delete(Path.Combine(workspace.Root, "artifacts-copy"), recursive: true);
    }

    private static IEnumerable<TestCaseData> MismatchedRecipes()
    {
        yield return new TestCaseData("{ artifact: artifacts/quick, checkpoint: models/changed/model.safetensors }", "models/changed/model.safetensors",
            "error WMQ1210: model.checkpoint 'models/changed/model.safetensors' has SHA-256 ").SetName("checkpoint of another hash");
        yield return new TestCaseData("{ artifact: artifacts/quick, checkpoint: models/wall/model.safetensors, config: models/reshaped/model.yaml }",
            "models/reshaped/model.yaml", "error WMQ1210: the model config 'models/reshaped/model.yaml' differs from the one the artifact")
            .SetName("model config of another shape");
        yield return new TestCaseData("{ artifact: artifacts/quick, checkpoint: models/rescaled/model.safetensors }", "models/rescaled/model.safetensors",
            "error WMQ1210: normalization.json beside model.checkpoint holds other statistics").SetName("other normalization");
        yield return new TestCaseData("{ artifact: artifacts/quick/config.json }", "artifacts/quick/config.json",
            "error WMQ1006: quantized artifact 'artifacts/quick/config.json' is a regular file, not a folder").SetName("a file");
        yield return new TestCaseData("{ artifact: artifacts/none }", "artifacts/none",
            "error WMQ1301: quantized artifact 'artifacts/none' not found").SetName("missing folder");
        yield return new TestCaseData("{ artifact: models/damaged }", "models/damaged",
            "error WMQ3002: model.artifact 'models/damaged' cannot be used: not a usable artifact config.json: not valid JSON").SetName("damaged config.json");
    }

    [TestCaseSource(nameof(MismatchedRecipes))]
    public void validate_reports_a_model_section_that_does_not_fit_at_its_line_and_column(string model, string at, string message)
    {
        PrepareMismatchedModels();
        string recipe = WriteRecipe("mismatch", model, "{ metric: success_rate, min: 0.0 }");
        string text = File.ReadAllText(recipe);
        int line = text.Split('\n').TakeWhile(l => !l.Contains(at, StringComparison.Ordinal)).Count() + 1;
        int column = text.Split('\n')[line - 1].IndexOf(at, StringComparison.Ordinal) + 1;

        var validate = Wmq("validate", recipe, "--repo-root", workspace.Root);

        Assert.Multiple(() =>
        {
            Assert.That(validate.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), validate.ToString());
            Assert.That(validate.Out, Does.Contain($"{recipe}({line},{column}): {message}"));
        });
    }

    [Test]
    public void validate_reports_fp_gates_without_a_checkpoint_and_warns_about_an_ignored_quantization_section()
    {
        string gated = WriteRecipe("fp-gate", "{ artifact: artifacts/quick }", "{ metric: success_rate, max_drop_vs_baseline: 0.05 }");
        string ignored = WriteRecipe("ignored", "{ artifact: artifacts/quick }", "{ metric: success_rate, min: 0.0 }",
            "quantization: { method: rtn, weights: { bits: 8 } }\n");

        var fpGate = Wmq("validate", gated, "--repo-root", workspace.Root);
        var warned = Wmq("validate", ignored, "--repo-root", workspace.Root);

        Assert.Multiple(() =>
        {
            Assert.That(fpGate.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), fpGate.ToString());
            Assert.That(fpGate.Out, Does.Contain($"{gated}(8,5): error {DiagnosticCodes.MissingKey}: gates[0] compares with the FP model (baseline: fp)"));
            Assert.That(warned.ExitCode, Is.EqualTo(ExitCodes.Passed), warned.ToString());
            Assert.That(warned.Out, Does.Contain($"{ignored}(9,15): warning {DiagnosticCodes.IneffectiveSetting}: quantization is ignored with model.artifact: " +
                "the artifact is already quantized (rtn W4 g128 A16), not as this section says (rtn W8 g128 A16)"));
        });
    }

    [Test]
    public void inspect_prints_a_per_layer_table_in_text_and_json()
    {
        var text = Wmq("inspect", Artifact);
        var json = Wmq("inspect", Artifact, "--json");

        var (listing, _) = SafetensorsListing.Read(Path.Combine(Artifact, QuantizedModelArtifact.WeightsFileName));
        var config = ArtifactConfigFile.Read(Artifact).Config!.Quantization;
        long Bytes(string layer) => listing!.Tensors.Where(t => t.Name.StartsWith(layer + ".weight_", StringComparison.Ordinal)).Sum(t => t.ByteLength);
        using var document = JsonDocument.Parse(json.Out);
        var layers = document.RootElement.GetProperty("quantization").GetProperty("layers");
        string first = config.Layers[0].Name;
        var recorded = Manifest.Quantization.Layers.Single(l => l.Name == first);
        string mse = recorded.WeightMse.ToString("0.00e+00", CultureInfo.InvariantCulture);
        string relative = recorded.RelativeOutputError is { } r ? (r * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "-";
        Assert.Multiple(() =>
        {
            Assert.That(text.ExitCode, Is.EqualTo(ExitCodes.Passed), text.ToString());
            Assert.That(text.Out, Does.Contain("  layers       24 quantized (compressed-tensors pack-quantized, rtn), 2 kept in float"));
            Assert.That(text.Out, Does.Contain("  layer").And.Contain("  method  ").And.Contain("packed bytes  weight mse  rel out err\n"));
            Assert.That(text.Out, Does.Match(string.Create(CultureInfo.InvariantCulture,
                $@"\n  {first.Replace(".", @"\.", StringComparison.Ordinal)} +4  group +128  yes  rtn +none +float16 +{Bytes(first):N0}  +{Regex.Escape(mse)}  +{Regex.Escape(relative)}\n")));
            Assert.That(json.ExitCode, Is.EqualTo(ExitCodes.Passed), json.ToString());
            Assert.That(layers.GetArrayLength(), Is.EqualTo(config.Layers.Count));
            Assert.That(layers[0].GetProperty("name").GetString(), Is.EqualTo(first));
            Assert.That(layers[0].GetProperty("packed_bytes").GetInt64(), Is.EqualTo(Bytes(first)));
            Assert.That(layers[0].GetProperty("scale_dtype").GetString(), Is.EqualTo("float16"));
            Assert.That(layers.EnumerateArray().Sum(l => l.GetProperty("packed_bytes").GetInt64()), Is.EqualTo(config.Layers.Sum(l => Bytes(l.Name))));
            Assert.That(document.RootElement.GetProperty("manifest").GetProperty("name").GetString(), Is.EqualTo("quick"));
        });
    }

    [Test]
    public void inspect_of_bare_model_files_describes_them_without_a_manifest()
    {
        using var tmp = new TempDirectory();
        string folder = Path.Combine(tmp.Path, "bare");
        CopyModelFiles(folder);

        var text = Wmq("inspect", folder);

        Assert.Multiple(() =>
        {
            Assert.That(text.ExitCode, Is.EqualTo(ExitCodes.Passed), text.ToString());
            Assert.That(text.Out, Does.StartWith($"{folder}: quantized model files without manifest.json (not verified against one)"));
            Assert.That(text.Out, Does.Contain("  layers       24 quantized"));
            Assert.That(text.Out, Does.Match(@"\n  \S+ +4  group +128  yes  rtn +none +float16 +[0-9,]+  +-  +-\n"),
                "errors are recorded in the manifest only: '-' without one");
        });
    }

    private string WriteRecipe(string name, string model, string gate, string extra = "")
    {
        string path = Path.Combine(workspace.Root, name + ".yaml");
        File.WriteAllText(path, $"""
            version: 1
            name: {name}
            model: {model}
            environment: wall
            device: cpu
            evaluation: {"{"} episodes: 2, planner: {"{"} profile: cpu, max_iterations: 1 {"}"} {"}"}
            gates:
              - {gate}
            {extra}
            """);
        return path;
    }

    /// <summary>Checkpoints beside the real one that differ in one way each, and a folder with a damaged config.json.</summary>
    private void PrepareMismatchedModels()
    {
        string wall = Path.Combine(workspace.Root, "models", "wall");
        string Model(string name)
        {
            string folder = Path.Combine(workspace.Root, "models", name);
            if (!Directory.Exists(folder))
            {
                CopyFolder(wall, folder);
            }

            return folder;
        }

        string changed = Model("changed");
        byte[] weights = File.ReadAllBytes(Path.Combine(wall, "model.safetensors"));
        weights[^1] ^= 1;
        File.WriteAllBytes(Path.Combine(changed, "model.safetensors"), weights);
        string reshaped = Model("reshaped");
        File.WriteAllText(Path.Combine(reshaped, "model.yaml"), File.ReadAllText(Path.Combine(wall, "model.yaml")).Replace("frameskip: 5", "frameskip: 4", StringComparison.Ordinal));
        string rescaled = Model("rescaled");
        File.WriteAllText(Path.Combine(rescaled, NormalizationRecord.FileName),
            File.ReadAllText(Path.Combine(wall, NormalizationRecord.FileName)).Replace("0.", "0.5", StringComparison.Ordinal));
        string damaged = Path.Combine(workspace.Root, "models", "damaged");
        CopyModelFiles(damaged);
        File.WriteAllText(Path.Combine(damaged, ArtifactConfigFile.FileName), "{ \"quantization_config\": ");
    }

    private void CopyModelFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (string file in QuantizedModelArtifact.ModelFiles(Artifact).Files)
        {
            File.Copy(Path.Combine(Artifact, file), Path.Combine(folder, file), overwrite: true);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}
