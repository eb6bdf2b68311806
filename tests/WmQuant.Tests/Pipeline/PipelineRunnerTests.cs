using System.Text.Json.Nodes;
using WmQuant.Contract;
using WmQuant.IO;
using WmQuant.IO.Safetensors;
using WmQuant.Pipeline;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Pipeline.Caching;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning.Evaluation;
using WmQuant.Quantization.Packing;
using WmQuant.Runtime;
using WmQuant.Tests.Quantization;

namespace WmQuant.Tests.Pipeline;

[NonParallelizable]
public sealed class PipelineRunnerTests
{
    [OneTimeSetUp]
    public void InitialiseRuntime() => TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cpu", Seed = 0 });

    private static PipelineOptions Options(PipelineWorkspace ws) => new()
    {
        OutputDirectory = ws.Output,
        RepositoryRoot = ws.Root,
    };

    private static RunContext Context(PipelineWorkspace ws, bool cache = true) =>
        new(TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cpu", Seed = 0 }), new StageCache(cache ? ws.Cache : null), "0.0.0-test");

    private static Dictionary<string, string> Hashes(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(directory, f), FileHashes.Sha256);

    [Test]
    public void WritesACompleteArtifactWhoseManifestHashesEveryFile()
    {
        using var ws = new PipelineWorkspace();
        var recipe = ws.Load(ws.WriteRecipe("w4"));
        var result = new PipelineRunner(Options(ws)).Run(recipe, Context(ws));

        Assert.That(result.Status, Is.EqualTo(RunStatus.Passed), string.Join("\n", result.Diagnostics));
        string dir = result.ArtifactDirectory!;
        Assert.That(dir, Is.EqualTo(Path.Combine(ws.Output, "w4-artifact")));
        var manifest = ArtifactManifest.Load(Path.Combine(dir, ArtifactManifest.FileName));
        Assert.Multiple(() =>
        {
            Assert.That(manifest.Version, Is.EqualTo("1.2.3"));
            Assert.That(manifest.Status, Is.EqualTo(RunStatus.Passed));
            Assert.That(manifest.Files.Select(f => f.Path), Is.SupersetOf(new[] { "MODEL_CARD.md", "model.safetensors", "recipe.yaml", "recipe.resolved.json", "report/report.html", "report/report.md", "report/loss_per_cem_step.png" }));
            foreach (var file in manifest.Files)
            {
                Assert.That(FileHashes.Sha256(Path.Combine(dir, file.Path)), Is.EqualTo(file.Sha256), file.Path);
            }

            Assert.That(manifest.Baseline!.Episodes.Select(e => e.Seed), Is.EqualTo(new[] { 1, 100 }));
            Assert.That(manifest.Quantized!.Episodes.Select(e => e.Seed), Is.EqualTo(new[] { 1, 100 }));
            Assert.That(manifest.Files.Select(f => f.Path), Does.Contain("config.json"), "the artifact's quantization description");
            Assert.That(manifest.Quantized.ModelSha256, Is.EqualTo(QuantizedModelArtifact.Digest(dir)), "evaluations are keyed by the artifact's digest");
            Assert.That(manifest.Sizes.EffectiveBitsPerQuantizedWeight, Is.InRange(4.0, 5.2), "W4 g32 with fp16 scales");
            Assert.That(manifest.Sizes.Reduction, Is.GreaterThan(2.0));
            Assert.That(manifest.Model.Path, Is.EqualTo("models/wall/model.safetensors"));
            Assert.That(manifest.Seeds.CalibrationEpisodes, Is.EqualTo(4), "every method is calibrated, for held-out per-layer errors");
            Assert.That(manifest.Quantization.Layers.Select(l => l.RelativeOutputError), Has.All.InRange(1e-6, 0.5), "W4 on held-out tokens");
            Assert.That(File.ReadAllText(Path.Combine(dir, "report", "report.md")), Does.Contain("## Per-layer error").And.Contain("| encoder.blocks.0.attn.qkv | 4 | 32 | none |"));
            Assert.That(Directory.GetDirectories(ws.Output, ".staging-*"), Is.Empty);
        });

        using var packed = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        var names = packed.Tensors.Select(t => t.Name).ToHashSet();
        string layer = manifest.Quantization.Layers[0].Name;
        Assert.That(names, Does.Contain(layer + ".weight_packed").And.Contain(layer + ".weight_scale").And.Not.Contain(layer + ".weight"));
        Assert.That(File.ReadAllText(Path.Combine(dir, "MODEL_CARD.md")), Does.Contain("# w4-artifact 1.2.3").And.Contain("wmq run w4.yaml"));

        Assert.That(ArtifactVerifier.Verify(dir, manifest), Is.Empty);
        File.AppendAllText(Path.Combine(dir, "MODEL_CARD.md"), "edited");
        File.WriteAllText(Path.Combine(dir, "extra.txt"), "x");
        File.Delete(Path.Combine(dir, "recipe.yaml"));
        Assert.That(ArtifactVerifier.Verify(dir, manifest), Is.EquivalentTo(new[]
        {
            $"MODEL_CARD.md: SHA-256 {FileHashes.Sha256(Path.Combine(dir, "MODEL_CARD.md"))} differs from the manifest's {manifest.Files.Single(f => f.Path == "MODEL_CARD.md").Sha256} (modified after it was written)",
            "recipe.yaml: listed in the manifest but missing",
            "extra.txt: not listed in the manifest",
        }));
    }

    [Test]
    public void ASecondRunReusesEveryStageAndRewritesIdenticalBytes()
    {
        using var ws = new PipelineWorkspace();
        var recipe = ws.Load(ws.WriteRecipe("again"));
        var first = new PipelineRunner(Options(ws)).Run(recipe, Context(ws));
        var firstHashes = Hashes(first.ArtifactDirectory!);
        var second = new PipelineRunner(Options(ws)).Run(recipe, Context(ws));

        Assert.That(first.CacheHits, Is.Empty);
        Assert.That(second.CacheHits, Is.EquivalentTo(new[] { "evaluate-fp", "quantize", "evaluate" }));
        Assert.That(Hashes(second.ArtifactDirectory!), Is.EqualTo(firstHashes));
    }

    [Test]
    public void WithoutTheCacheOnlyTheRecordedTimingsDiffer()
    {
        using var ws = new PipelineWorkspace();
        var recipe = ws.Load(ws.WriteRecipe("fresh"));
        var first = Hashes(new PipelineRunner(Options(ws)).Run(recipe, Context(ws, cache: false)).ArtifactDirectory!);
        string manifest1 = File.ReadAllText(Path.Combine(ws.Output, "fresh-artifact", "manifest.json"));
        var second = Hashes(new PipelineRunner(Options(ws)).Run(recipe, Context(ws, cache: false)).ArtifactDirectory!);
        string manifest2 = File.ReadAllText(Path.Combine(ws.Output, "fresh-artifact", "manifest.json"));

        foreach (var file in first.Keys.Where(f => f != "manifest.json"))
        {
            Assert.That(second[file], Is.EqualTo(first[file]), file);
        }

        Assert.That(WithoutTimings(manifest2), Is.EqualTo(WithoutTimings(manifest1)));
    }

    [Test]
    public void AFailedGateStillWritesTheArtifactMarkedFailedAndNamesTheRecipeLine()
    {
        using var ws = new PipelineWorkspace();
        string path = ws.WriteRecipe("strict", gates: "  - { metric: state_distance, max: 0.001 }");
        var result = new PipelineRunner(Options(ws)).Run(ws.Load(path), Context(ws));

        Assert.That(result.Status, Is.EqualTo(RunStatus.GateFailed));
        Assert.That(result.Diagnostics.Select(d => d.ToCanonicalString(ws.Root)), Has.Exactly(1).StartsWith("strict.yaml(16,5): error WMQ4001: gate state_distance max failed: state_distance "));
        Assert.That(ArtifactManifest.Load(Path.Combine(result.ArtifactDirectory!, "manifest.json")).Status, Is.EqualTo(RunStatus.GateFailed));
        Assert.That(File.ReadAllText(Path.Combine(result.ArtifactDirectory!, "manifest.json")), Does.Contain("\"status\": \"gate_failed\""));
    }

    [Test]
    public void AMethodThatRefusesWritesNothingAndSaysWhy()
    {
        using var ws = new PipelineWorkspace();
        var recipe = ws.Load(ws.WriteRecipe("toy", method: "toy", methodOptions: "{ toy: { refuse: true } }"), ToyMethod.Registry);
        var result = new PipelineRunner(Options(ws)).Run(recipe, Context(ws));

        Assert.That(result.Status, Is.EqualTo(RunStatus.InvalidInput));
        Assert.That(result.Diagnostics.Single().ToCanonicalString(ws.Root), Is.EqualTo("toy.yaml: error WMQ3101: toy cannot quantize this model as asked: the toy refuses, as asked"));
        Assert.That(Directory.Exists(ws.Output) ? Directory.GetFileSystemEntries(ws.Output) : [], Is.Empty);
    }

    [Test]
    public void ACancelledRunLeavesNeitherStagingFoldersNorPartialCacheEntries()
    {
        using var ws = new PipelineWorkspace();
        var recipe = ws.Load(ws.WriteRecipe("cancel"));
        using var cancel = new CancellationTokenSource();
        var progress = new CancelOnStage("evaluate", cancel);
        Assert.Catch<OperationCanceledException>(() => new PipelineRunner(Options(ws)).Run(recipe, Context(ws), null, progress, cancel.Token));

        Assert.That(Directory.Exists(ws.Output) ? Directory.GetFileSystemEntries(ws.Output) : [], Is.Empty);
        var cacheEntries = Directory.GetDirectories(ws.Cache, "*", SearchOption.AllDirectories).Select(Path.GetFileName);
        Assert.That(cacheEntries, Has.None.StartsWith(".tmp-"));

        // Resuming reuses what finished before the interruption.
        var resumed = new PipelineRunner(Options(ws)).Run(recipe, Context(ws));
        Assert.That(resumed.CacheHits, Is.EquivalentTo(new[] { "evaluate-fp", "quantize" }));
    }

    [Test]
    public void AMatchingBaselineFileBesideTheModelReplacesTheFpEvaluation()
    {
        using var ws = new PipelineWorkspace();
        var recipe = ws.Load(ws.WriteRecipe("reuse"));
        var first = new PipelineRunner(Options(ws)).Run(recipe, Context(ws, cache: false)).Manifest!;
        var baseline = first.Baseline!;
        string file = Path.Combine(ws.Root, "models", "wall", ModelBaselineFile.FileName);
        File.WriteAllText(file, System.Text.Json.JsonSerializer.Serialize(
            new ModelBaselineFile(baseline.ModelSha256, [baseline with { Planner = baseline.Planner with { Samples = 99 } }, baseline]),
            EvaluationRecord.JsonOptions));

        var second = new PipelineRunner(Options(ws)).Run(recipe, Context(ws));
        Assert.That(second.CacheHits, Is.EqualTo(new[] { "evaluate-fp" }));
        Assert.That(second.Manifest!.Baseline, Is.EqualTo(baseline).Using<EvaluationRecord>((a, b) => a.Episodes.SequenceEqual(b.Episodes) && a.Planner == b.Planner));

        // A recipe that caps the model batch plans its FP evaluation anew (on a GPU the cap may change rounding), and on
        // the CPU finds every episode as the file has it.
        var capped = new PipelineRunner(Options(ws)).Run(
            recipe with { Evaluation = recipe.Evaluation with { Planner = recipe.Evaluation.Planner with { MaxBatch = 7 } } }, Context(ws));
        Assert.That(capped.CacheHits, Does.Not.Contain("evaluate-fp"));
        Assert.That(capped.Manifest!.Baseline!.Episodes, Is.EqualTo(baseline.Episodes), "chunked CPU planning finds the same episodes");

        // A different planner setting does not match: the FP model is evaluated.
        var other = ws.Load(ws.WriteRecipe("reuse", weights: "{ bits: 8, granularity: channel }").Replace("x", "x", StringComparison.Ordinal));
        var third = new PipelineRunner(Options(ws)).Run(other with { Evaluation = other.Evaluation with { Planner = other.Evaluation.Planner with { TopK = 3 } } }, Context(ws));
        Assert.That(third.CacheHits, Does.Not.Contain("evaluate-fp"));
    }

    [Test]
    public void TheNupkgFormatPacksTheFolderDeterministically()
    {
        using var ws = new PipelineWorkspace();
        var recipe = ws.Load(ws.WriteRecipe("pkg", formats: "[safetensors, nupkg]"));
        new PipelineRunner(Options(ws)).Run(recipe, Context(ws));
        string package = Path.Combine(ws.Output, "pkg-artifact.1.2.3.nupkg");
        string first = FileHashes.Sha256(package);
        Thread.Sleep(2100); // zip timestamps have two-second resolution: make sure the clock moved
        new PipelineRunner(Options(ws)).Run(recipe, Context(ws));

        Assert.That(FileHashes.Sha256(package), Is.EqualTo(first), "same inputs, same package bytes");
        using var reader = new NuGet.Packaging.PackageArchiveReader(package);
        var identity = reader.GetIdentity();
        Assert.Multiple(() =>
        {
            Assert.That(identity.Id, Is.EqualTo("pkg-artifact"));
            Assert.That(identity.Version.ToNormalizedString(), Is.EqualTo("1.2.3"));
            Assert.That(reader.GetFiles(), Does.Contain("content/wmq/pkg-artifact/manifest.json").And.Contain("content/wmq/pkg-artifact/model.safetensors"));
            Assert.That(reader.NuspecReader.GetDescription(), Does.Contain("bits per quantized weight").And.Contain("Gates: passed"));
        });
    }

    [Test]
    public void StaticActivationsCalibrateFirstAndTheArtifactReloadsToTheEvaluatedModel()
    {
        using var ws = new PipelineWorkspace();
        string path = ws.WriteRecipe("w8a8", weights: "{ bits: 8, granularity: channel }\n  activations: { bits: 8, granularity: per-tensor }");
        File.WriteAllText(path, File.ReadAllText(path).Replace("episodes: 4, mpc_iterations: 1", "episodes: 2, mpc_iterations: 1", StringComparison.Ordinal));
        var result = new PipelineRunner(Options(ws)).Run(ws.Load(path), Context(ws));

        Assert.That(result.Status, Is.EqualTo(RunStatus.Passed), string.Join("\n", result.Diagnostics));
        var manifest = result.Manifest!;
        Assert.Multiple(() =>
        {
            Assert.That(manifest.Seeds.CalibrationEpisodes, Is.EqualTo(2));
            Assert.That(manifest.Quantization.Layers, Has.All.Matches<LayerEntry>(l => l.Activations != "float" && l.Bits == 8));
            Assert.That(Directory.GetDirectories(Path.Combine(ws.Cache, "calibrate")), Is.Not.Empty, "the calibration set is cached");
        });
        using var packed = SafetensorsFile.Open(Path.Combine(result.ArtifactDirectory!, "model.safetensors"));
        Assert.That(packed.Tensors.Select(t => t.Name), Has.Some.EndsWith(".input_scale"));
    }

    private static string WithoutTimings(string manifest)
    {
        var node = JsonNode.Parse(manifest)!.AsObject();
        node.Remove("timings");
        node["baseline"]!.AsObject().Remove("seconds");
        node["quantized"]!.AsObject().Remove("seconds");
        return node.ToJsonString();
    }

    private sealed class CancelOnStage(string stage, CancellationTokenSource source) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value)
        {
            if (value.Stage == stage)
            {
                source.Cancel();
            }
        }
    }
}
