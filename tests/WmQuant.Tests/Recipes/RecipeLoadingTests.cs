using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Pipeline.Caching;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes;
using WmQuant.Runtime;

namespace WmQuant.Tests.Recipes;

public class RecipeLoadingTests
{
    private const string V = RecipeWorkspace.ValidHead;

    /// <summary>Layers of a full-width model: encoder 384/1536 wide, predictor 404/2048 (groups of 128 leave 20 over on 404).</summary>
    private static readonly LayerShape[] WideLayers =
    [
        new("encoder.blocks.0.attn.qkv", 384, 1152), new("encoder.blocks.0.mlp.fc2", 1536, 384),
        new("predictor.transformer.layers.0.0.to_qkv", 404, 3072), new("predictor.transformer.layers.0.1.net.4", 2048, 404),
        new("action_encoder.patch_embed", 10, 10),
    ];

    private static Recipe Single(RecipeLoadResult result)
    {
        Assert.That(result.Problems.Where(p => p.Severity == Severity.Error), Is.Empty);
        Assert.That(result.Recipes, Has.Count.EqualTo(1));
        return result.Recipes[0];
    }

    [Test]
    public void A_minimal_recipe_gets_every_documented_default()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V);
        var result = ws.Load("r.yaml");
        var recipe = Single(result);

        Assert.Multiple(() =>
        {
            Assert.That(result.Problems, Is.Empty);
            Assert.That(recipe.Name, Is.EqualTo("t"));
            Assert.That(recipe.Model, Is.EqualTo(new ModelSpec(Path.Combine(ws.Root, "m.safetensors"), null)));
            Assert.That(recipe.Environment, Is.EqualTo("wall"));
            Assert.That(recipe.Device, Is.EqualTo(new DeviceRequest(DeviceKind.Auto)));
            Assert.That(recipe.Seed, Is.Zero);
            Assert.That(recipe.Calibration, Is.EqualTo(new CalibrationSpec(50, 2, 2)));
            Assert.That(recipe.Quantization.Method.Name, Is.EqualTo("rtn"));
            Assert.That(recipe.Quantization.Weights, Is.EqualTo(new WeightQuantConfig(4, WeightGranularity.PerGroup, 128, true)));
            Assert.That(recipe.Quantization.Activations, Is.Null);
            Assert.That(recipe.Quantization.Overrides, Is.Empty);
            Assert.That(recipe.Quantization.Options, Is.EqualTo(new RtnOptions()));
            Assert.That(recipe.Quantization.Scheme, Is.Null);
            Assert.That(recipe.Evaluation.Episodes, Is.EqualTo(50));
            Assert.That(recipe.Evaluation.SeedOffset, Is.EqualTo(1));
            Assert.That(recipe.Evaluation.Planner, Is.EqualTo(new PlannerSpec("default", PlannerKind.MpcCem, 5, 300, 30, 10, 50, 1.0)));
            Assert.That(recipe.Gates, Is.Empty);
            Assert.That(recipe.Artifact.Name, Is.EqualTo("t"));
            Assert.That(recipe.Artifact.Version, Is.EqualTo("0.1.0"));
            Assert.That(recipe.Artifact.Formats, Is.EqualTo(new[] { ArtifactFormat.Safetensors }));
            Assert.That(recipe.MatrixValues, Is.Empty);
        });
    }

    [Test]
    public void Planner_defaults_follow_environment_and_profile_and_explicit_keys_win()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("pusht.yaml", "name: p\nmodel: { checkpoint: m.safetensors }\nenvironment: pusht\n");
        ws.Write("cpu.yaml", V + "evaluation:\n  planner: { profile: cpu, samples: 100, kind: open-loop-gd }\n");
        var tuned = PlannerDefaults.Standard.With("wall", "cpu", new PlannerSpec("ignored", PlannerKind.MpcCem, 4, 32, 4, 3, 20, 1.0));

        var pusht = Single(ws.Load("pusht.yaml")).Evaluation.Planner;
        var cpu = Single(ws.Load("cpu.yaml")).Evaluation.Planner;
        var cpuTuned = Single(ws.Load("cpu.yaml", new RecipeLoadOptions { PlannerDefaults = tuned })).Evaluation.Planner;

        Assert.Multiple(() =>
        {
            Assert.That(pusht, Is.EqualTo(new PlannerSpec("default", PlannerKind.MpcCem, 5, 300, 30, 30, 30, 1.0)));
            Assert.That(cpu, Is.EqualTo(new PlannerSpec("cpu", PlannerKind.OpenLoopGradient, 5, 100, 8, 5, 50, 1.0)));
            Assert.That(cpuTuned, Is.EqualTo(new PlannerSpec("cpu", PlannerKind.OpenLoopGradient, 4, 100, 4, 3, 20, 1.0)));
        });
    }

    /// <summary>PlannerSpec as it was before max_batch existed: what evaluation cache keys hashed until then.</summary>
    private sealed record PlannerSpecBeforeMaxBatch(string Profile, PlannerKind Kind, int Horizon, int Samples, int TopK, int OptSteps, int MaxIterations, double Alpha, double Sigma);

    [Test]
    public void Planner_max_batch_reaches_the_planner_settings_and_enters_cache_keys_only_when_set()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("set.yaml", V + "evaluation:\n  planner: { max_batch: 2000 }\n");
        ws.Write("zero.yaml", V + "evaluation:\n  planner: { max_batch: 0 }\n");
        ws.Write("unset.yaml", V);
        var set = Single(ws.Load("set.yaml")).Evaluation.Planner;
        var zero = Single(ws.Load("zero.yaml")).Evaluation.Planner;
        var unset = Single(ws.Load("unset.yaml")).Evaluation.Planner;
        var normalization = new NormalizationRecord([0, 0], [1, 1], [0, 0], [1, 1]);
        CemSettings Cem(PlannerSpec planner) => RecipePlannerSettings.For(normalization, planner, 50, 1, 0).Cem!;
        string CalibrationJson(PlannerSpec planner) =>
            new CalibrationSettings("wall", new PlanningNormalization([0f, 0f], [1f, 1f], [0f, 0f], [1f, 1f]), Cem(planner)).ToCanonicalJson();
        var legacy = new PlannerSpecBeforeMaxBatch(unset.Profile, unset.Kind, unset.Horizon, unset.Samples, unset.TopK, unset.OptSteps, unset.MaxIterations, unset.Alpha, unset.Sigma);

        Assert.Multiple(() =>
        {
            Assert.That(set.MaxBatch, Is.EqualTo(2000));
            Assert.That(Cem(set).MaxModelBatch, Is.EqualTo(2000), "the planner is given the cap");
            Assert.That((unset.MaxBatch, zero.MaxBatch, Cem(unset).MaxModelBatch), Is.EqualTo((0, 0, 0)), "absent and 0 both mean automatic");
            Assert.That(StageCache.KeyOf("evaluate", unset), Is.EqualTo(StageCache.KeyOf("evaluate", legacy)), "evaluation keys of recipes without it are unchanged");
            Assert.That(StageCache.KeyOf("evaluate", zero), Is.EqualTo(StageCache.KeyOf("evaluate", unset)));
            Assert.That(StageCache.KeyOf("evaluate", set), Is.Not.EqualTo(StageCache.KeyOf("evaluate", unset)), "a cap may change GPU rounding: its own entries");
            Assert.That(CalibrationJson(unset), Does.Not.Contain("max_batch"), "calibration keys of recipes without it are unchanged");
            Assert.That(CalibrationJson(set), Does.Contain("\"max_batch\":2000"));
        });
    }

    [Test]
    public void Extends_deep_merges_mappings_replaces_lists_and_resolves_paths_from_each_file()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("models/w.safetensors", "x");
        ws.Write("base/root.yaml",
            "name: root\nmodel: { checkpoint: ../models/w.safetensors }\nenvironment: wall\nseed: 7\n"
            + "quantization:\n  weights: { bits: 4, group_size: 64, symmetric: false }\n"
            + "gates:\n  - { metric: success_rate, min: 0.8 }\n  - { metric: success_rate, max_drop_vs_baseline: 0.05 }\n");
        ws.Write("base/mid.yaml", "extends: root.yaml\nname: mid\ncalibration: { episodes: 10 }\n");
        ws.Write("leaf.yaml", "extends: base/mid.yaml\nname: leaf\nquantization:\n  weights: { bits: 8 }\ngates:\n  - { metric: success_rate, min: 0.9 }\n");

        var result = ws.Load("leaf.yaml");
        var recipe = Single(result);

        Assert.Multiple(() =>
        {
            Assert.That(result.SourceFiles, Is.EqualTo(new[] { "leaf.yaml", "base/mid.yaml", "base/root.yaml" }.Select(f => Path.Combine(ws.Root, f))));
            Assert.That(recipe.Name, Is.EqualTo("leaf"));
            Assert.That(recipe.Seed, Is.EqualTo(7));
            Assert.That(recipe.Model.Checkpoint, Is.EqualTo(Path.Combine(ws.Root, "models", "w.safetensors")));
            Assert.That(recipe.Calibration.Episodes, Is.EqualTo(10));
            Assert.That(recipe.Calibration.MpcIterations, Is.EqualTo(2));
            Assert.That(recipe.Quantization.Weights, Is.EqualTo(new WeightQuantConfig(8, WeightGranularity.PerGroup, 64, false)));
            Assert.That(recipe.Gates, Has.Count.EqualTo(1), "lists are replaced, not concatenated");
            Assert.That(recipe.Gates[0].Min, Is.EqualTo(0.9));
            Assert.That(recipe.Gates[0].Position, Is.EqualTo(new SourcePosition(Path.Combine(ws.Root, "leaf.yaml"), 6, 5)));
            Assert.That(recipe.SourceFile, Is.EqualTo(Path.Combine(ws.Root, "leaf.yaml")));
        });
    }

    [Test]
    public void Matrix_expands_the_cartesian_product_minus_exclusions_with_derived_names()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "artifact: { name: art }\nmatrix:\n"
            + "  quantization.weights.bits: [8, 4, 3]\n"
            + "  quantization.weights.granularity: [channel, group]\n"
            + "  exclude:\n    - { quantization.weights.bits: 3, quantization.weights.granularity: channel }\n");

        var result = ws.Load("r.yaml");

        Assert.That(result.IsValid, Is.True, string.Join("\n", result.Problems));
        Assert.That(result.Recipes.Select(r => r.Name), Is.EqualTo(new[] { "t-8-channel", "t-8-group", "t-4-channel", "t-4-group", "t-3-group" }));
        var last = result.Recipes[^1];
        Assert.Multiple(() =>
        {
            Assert.That(last.Quantization.Weights, Is.EqualTo(new WeightQuantConfig(3, WeightGranularity.PerGroup, 128, true)));
            Assert.That(last.Artifact.Name, Is.EqualTo("art-3-group"));
            Assert.That(last.MatrixValues, Is.EqualTo(new[]
            {
                new MatrixAssignment("quantization.weights.bits", "3"),
                new MatrixAssignment("quantization.weights.granularity", "group"),
            }));
            Assert.That(result.Recipes[0].Quantization.Weights.Granularity, Is.EqualTo(WeightGranularity.PerChannel));
        });
    }

    [Test]
    public void Matrix_can_sweep_whole_mappings_and_module_override_settings()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "matrix:\n"
            + "  quantization.activations: [none, { bits: 8, granularity: per-tensor }]\n"
            + "  quantization.modules.encoder.weights.bits: [8, 16]\n");

        var result = ws.Load("r.yaml");

        Assert.That(result.IsValid, Is.True, string.Join("\n", result.Problems));
        Assert.That(result.Recipes.Select(r => r.Name), Is.EqualTo(new[] { "t-none-8", "t-none-16", "t-8-per-tensor-8", "t-8-per-tensor-16" }));
        var last = result.Recipes[^1];
        Assert.Multiple(() =>
        {
            Assert.That(last.Quantization.Activations, Is.EqualTo(new ActivationQuantConfig(8, ActivationGranularity.PerTensorStatic)));
            Assert.That(last.Quantization.Overrides, Has.Count.EqualTo(1));
            Assert.That(last.Quantization.Overrides[0].Selector.ToString(), Is.EqualTo("encoder"));
            Assert.That(last.Quantization.Overrides[0].Weights, Is.EqualTo(new WeightQuantConfig(16, WeightGranularity.PerGroup, 128, true)));
            Assert.That(last.Quantization.Overrides[0].Activations, Is.EqualTo(new ActivationQuantConfig(8, ActivationGranularity.PerTensorStatic)), "inherited");
        });
    }

    [Test]
    public void Module_overrides_inherit_unset_settings_and_accept_layer_globs()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "quantization:\n  method: rtn\n  weights: { bits: 4, group_size: 32 }\n"
            + "  activations: { bits: 8, granularity: per-token }\n  modules:\n"
            + "    encoder: { weights: { bits: 8, granularity: channel }, activations: none }\n"
            + "    predictor.transformer.layers.*.0.to_qkv: { weights: { bits: 6 } }\n");

        var modules = Single(ws.Load("r.yaml")).Quantization.Overrides;

        Assert.Multiple(() =>
        {
            Assert.That(modules.Select(m => (m.Selector.ToString(), m.Selector.Pattern is not null)), Is.EqualTo(new[] { ("encoder", false), ("predictor.transformer.layers.*.0.to_qkv", true) }));
            Assert.That(modules[0].Weights, Is.EqualTo(new WeightQuantConfig(8, WeightGranularity.PerChannel, 32, true)));
            Assert.That(modules[0].Activations, Is.Null);
            Assert.That(modules[1].Weights, Is.EqualTo(new WeightQuantConfig(6, WeightGranularity.PerGroup, 32, true)));
            Assert.That(modules[1].Activations, Is.EqualTo(new ActivationQuantConfig(8, ActivationGranularity.PerTokenDynamic)));
            Assert.That(modules[1].Position!.Value.Line, Is.EqualTo(10));
        });
    }

    [Test]
    public void Group_size_is_checked_against_the_widths_of_the_layers_it_applies_to()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("big.yaml", V + "quantization:\n  weights: { group_size: 4096 }\n");
        ws.Write("partial.yaml", V + "quantization:\n  weights: { group_size: 128 }\n");
        ws.Write("module.yaml", V + "quantization:\n  modules:\n    encoder: { weights: { group_size: 2048 } }\n");
        ws.Write("glob.yaml", V + "quantization:\n  modules:\n    'predictor.layerz.*': { weights: { bits: 8 } }\n");
        var options = new RecipeLoadOptions { ModelLayers = _ => WideLayers };

        Assert.Multiple(() =>
        {
            Assert.That(ws.Load("big.yaml", options).Problems.Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
            {
                "big.yaml(5,26): error WMQ1202: quantization.weights.group_size is 4096, larger than the widest input it applies to (2048); allowed: 1-2048",
            }));
            var partial = ws.Load("partial.yaml", options);
            Assert.That(partial.Problems.Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
            {
                "partial.yaml(5,26): warning WMQ1203: quantization.weights.group_size 128 does not divide input width 404: each row gets 3 full group(s) and a partial group of 20",
            }));
            Assert.That(partial.IsValid, Is.True, "a warning does not invalidate a recipe");
            Assert.That(partial.Recipes, Has.Count.EqualTo(1));
            Assert.That(ws.Load("module.yaml", options).Problems.Where(p => p.IsError).Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
            {
                "module.yaml(6,39): error WMQ1202: quantization.modules.encoder.weights.group_size is 2048, larger than the widest input it applies to (1536); allowed: 1-1536",
            }), "an override's group size is judged on the layers it selects");
            Assert.That(ws.Load("glob.yaml", options).Problems.Where(p => p.Code == "WMQ1207").Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
            {
                "glob.yaml(6,5): warning WMQ1207: quantization.modules.predictor.layerz.* selects no quantizable layer of this model; layers are named like encoder.blocks.0.attn.qkv and action_encoder.patch_embed",
            }));
        });
    }

    [Test]
    public void Warnings_are_reported_without_blocking()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "calibration: { seed_offset: 1 }\nquantization:\n  weights: { granularity: channel, group_size: 64 }\n");

        var result = ws.Load("r.yaml");

        Assert.That(result.Problems.Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
        {
            "r.yaml(4,29): warning WMQ1209: calibration.seed_offset 1 gives the same episode seeds as evaluation.seed_offset 1; calibration would see the evaluation episodes",
            "r.yaml(6,48): warning WMQ1207: quantization.weights.group_size has no effect with granularity channel",
        }));
        Assert.That(result.Recipes, Has.Count.EqualTo(1));
    }

    [Test]
    public void File_checks_can_be_skipped_but_the_repository_boundary_cannot()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", "name: t\nmodel: { checkpoint: models/absent.safetensors }\nenvironment: wall\n");
        ws.Write("escape.yaml", "name: t\nmodel: { checkpoint: ../../elsewhere.safetensors }\nenvironment: wall\n");
        var noFiles = new RecipeLoadOptions { CheckFiles = false };

        Assert.Multiple(() =>
        {
            Assert.That(ws.Load("r.yaml").IsValid, Is.False);
            Assert.That(ws.Load("r.yaml", noFiles).IsValid, Is.True);
            Assert.That(ws.Load("escape.yaml", noFiles).Problems.Single().Code, Is.EqualTo(DiagnosticCodes.PathEscapesRepository));
            Assert.That(ws.Load("escape.yaml", noFiles with { RepositoryRoot = Path.GetDirectoryName(ws.Outside) }).IsValid, Is.True,
                "an explicit, wider root admits the path");
        });
    }

    [Test]
    public void A_symbolic_link_leading_out_of_the_repository_is_an_escape()
    {
        using var ws = new RecipeWorkspace();
        string outside = Path.Combine(ws.Outside, "real.safetensors");
        File.WriteAllText(outside, "x");
        File.CreateSymbolicLink(Path.Combine(ws.Root, "link.safetensors"), outside);
        ws.Write("r.yaml", "name: t\nmodel: { checkpoint: link.safetensors }\nenvironment: wall\n");

        var result = ws.Load("r.yaml");

        Assert.That(result.Problems.Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
        {
            $"r.yaml(2,22): error WMQ1302: checkpoint 'link.safetensors' leads through a symbolic link to {outside}, outside the repository {ws.Root}; keep recipe inputs inside the repository (links included)",
        }));
    }

    [Test]
    public void A_missing_recipe_file_is_a_problem_not_an_exception()
    {
        using var ws = new RecipeWorkspace();
        var result = ws.Load("absent.yaml");
        Assert.That(result.Problems.Single().ToCanonicalString(ws.Root),
            Is.EqualTo("absent.yaml(1,1): error WMQ1001: recipe not found"), "the position names the file; the message does not repeat it");
    }

    [Test]
    public void Anchors_and_aliases_are_resolved()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "quantization:\n  weights: &w { bits: 8, granularity: channel }\n  modules:\n    encoder: { weights: *w }\n");

        var recipe = Single(ws.Load("r.yaml"));

        Assert.That(recipe.Quantization.Overrides[0].Weights, Is.EqualTo(new WeightQuantConfig(8, WeightGranularity.PerChannel, 128, true)));
    }
}
