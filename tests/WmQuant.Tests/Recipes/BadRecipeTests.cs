using WmQuant.Recipes;

namespace WmQuant.Tests.Recipes;

/// <summary>
/// Invalid recipes, each with every expected problem in MSBuild canonical form (file relative to the repository,
/// line, column, severity, code and exact message). {root} and {outside} stand for the workspace folders.
/// </summary>
public class BadRecipeTests
{
    private const string V = RecipeWorkspace.ValidHead;

    private static TestCaseData Case(string name, (string File, string Text)[] files, params string[] expected) =>
        new TestCaseData(files, expected).SetName("Bad recipe: " + name);

    private static (string, string)[] R(string text) => [("r.yaml", text)];

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return Case("bits out of range", R(V + "quantization:\n  weights:\n    bits: 9\n"),
            "r.yaml(6,11): error WMQ1104: quantization.weights.bits is 9; allowed: 2-8 or 16");
        yield return Case("bits 1 below the range", R(V + "quantization:\n  weights:\n    bits: 1\n"),
            "r.yaml(6,11): error WMQ1104: quantization.weights.bits is 1; allowed: 2-8 or 16");
        yield return Case("bits not a number", R(V + "quantization:\n  weights:\n    bits: four\n"),
            "r.yaml(6,11): error WMQ1103: quantization.weights.bits must be an integer (2-8 or 16), got 'four'");
        yield return Case("bits quoted", R(V + "quantization:\n  weights:\n    bits: \"4\"\n"),
            "r.yaml(6,11): error WMQ1103: quantization.weights.bits must be an integer (2-8 or 16), got the quoted string '4'");
        yield return Case("unknown method", R(V + "quantization:\n  method: awk\n"),
            "r.yaml(5,11): error WMQ1105: quantization.method is 'awk'; did you mean 'awq'? allowed: rtn, omse, awq, smoothquant, omniquant, gptq");
        yield return Case("unknown key with a suggestion", R(V + "quantization:\n  weights:\n    grup_size: 64\n"),
            "r.yaml(6,5): error WMQ1101: unknown key 'grup_size' in quantization.weights; did you mean 'group_size'? allowed: bits, granularity, group_size, symmetric");
        yield return Case("unknown top-level key", R(V + "colour: red\n"),
            "r.yaml(4,1): error WMQ1101: unknown key 'colour' in the recipe; allowed: version, name, description, extends, model, environment, device, seed, calibration, quantization, evaluation, gates, artifact, search, matrix");
        yield return Case("unknown key in a gate, suggested by prefix", R(V + "gates:\n  - { metric: success_rate, minimum: 0.8 }\n"),
            "r.yaml(5,29): error WMQ1101: unknown key 'minimum' in gates[0]; did you mean 'min'? allowed: metric, min, max, max_drop_vs_baseline, confidence, baseline");
        yield return Case("group size 0", R(V + "quantization:\n  weights:\n    group_size: 0\n"),
            "r.yaml(6,17): error WMQ1104: quantization.weights.group_size is 0; allowed: 1-65536");
        yield return Case("group size negative", R(V + "quantization:\n  weights:\n    group_size: -64\n"),
            "r.yaml(6,17): error WMQ1104: quantization.weights.group_size is -64; allowed: 1-65536");
        yield return Case("group size beyond any integer width", R(V + "quantization:\n  weights:\n    group_size: 4294967296\n"),
            "r.yaml(6,17): error WMQ1104: quantization.weights.group_size is 4294967296; allowed: 1-65536");
        yield return Case("checkpoint and artifact both missing", R("name: t\nmodel: {}\nenvironment: wall\n"),
            "r.yaml(2,8): error WMQ1102: model needs checkpoint (a full-precision model to quantize) or artifact (a quantized artifact folder to re-evaluate), or both");
        yield return Case("required top-level keys missing", R("model: { checkpoint: m.safetensors }\n"),
            "r.yaml(1,1): error WMQ1102: missing required key 'name' in the recipe: Recipe name: letters, digits, '.', '_', '-', at most 100 characters (matrix values appended included: name-8-group), so artifact folders and packages get valid file names.",
            "r.yaml(1,1): error WMQ1102: missing required key 'environment' in the recipe: Environment the model was trained on; calibration and evaluation plan in it. Also picks planner defaults.");
        yield return Case("checkpoint file missing", R("name: t\nmodel: { checkpoint: models/x.safetensors }\nenvironment: wall\n"),
            "r.yaml(2,22): error WMQ1301: checkpoint 'models/x.safetensors' not found (resolved to {root}/models/x.safetensors)");
        yield return Case("checkpoint escapes the repository", R("name: t\nmodel: { checkpoint: ../outside.safetensors }\nenvironment: wall\n"),
            "r.yaml(2,22): error WMQ1302: checkpoint '../outside.safetensors' resolves to {outside}/outside.safetensors, outside the repository {root}; keep recipe inputs inside the repository");
        yield return Case("baseline manifest missing", R(V + "gates:\n  - { metric: success_rate, max_drop_vs_baseline: 0.05, baseline: releases/1.0.0/manifest.json }\n"),
            "r.yaml(5,67): error WMQ1301: baseline manifest 'releases/1.0.0/manifest.json' not found (resolved to {root}/releases/1.0.0/manifest.json)");
        yield return Case("malformed YAML: unclosed flow mapping", R("name: t\nmodel: { checkpoint: m.safetensors\nenvironment: wall\n"),
            "r.yaml(2,8): error WMQ1002: malformed YAML: the '{' opened here is never closed");
        yield return Case("malformed YAML: tab indentation", R("name: t\nmodel:\n\tcheckpoint: m.safetensors\n"),
            "r.yaml(3,1): error WMQ1002: malformed YAML: a tab indents this line; YAML indentation must use spaces");
        yield return Case("malformed YAML: unclosed flow list", R(V + "artifact: { formats: [safetensors, nupkg }\n"),
            "r.yaml(4,42): error WMQ1002: malformed YAML: While parsing a flow sequence, did not find expected ',' or ']'.");
        yield return Case("malformed YAML: bad indentation", R("name: t\nmodel:\n  checkpoint: m.safetensors\n config: c.yaml\n"),
            "r.yaml(4,2): error WMQ1002: malformed YAML: While parsing a block mapping, did not find expected key.");
        yield return Case("duplicate key", R(V + "seed: 1\nseed: 2\n"),
            "r.yaml(5,1): error WMQ1003: duplicate key 'seed'; it was first set at r.yaml(4,1)");
        yield return Case("two documents", R(V + "---\nname: u\n"),
            "r.yaml(4,1): error WMQ1004: a recipe is one YAML document; remove the second document");
        yield return Case("empty file", R(string.Empty),
            "r.yaml(1,1): error WMQ1004: the recipe is empty; expected a mapping of settings");
        yield return Case("root is a list", R("- name: t\n"),
            "r.yaml(1,1): error WMQ1004: a recipe must be a mapping of settings, got a list");
        yield return Case("unknown matrix key", R(V + "matrix:\n  quantization.weights.bitz: [4, 8]\n"),
            "r.yaml(5,3): error WMQ1401: matrix key 'quantization.weights.bitz' names no setting: 'bitz' is unknown; did you mean 'bits'? allowed: bits, granularity, group_size, symmetric");
        yield return Case("bad matrix value", R(V + "matrix:\n  quantization.weights.bits: [4, 9]\n"),
            "r.yaml(5,34): error WMQ1104: quantization.weights.bits is 9; allowed: 2-8 or 16");
        yield return Case("matrix value not a list", R(V + "matrix:\n  quantization.method: awq\n"),
            "r.yaml(5,24): error WMQ1103: matrix 'quantization.method' must be a non-empty list of values, got 'awq'");
        yield return Case("matrix exclude value not in the matrix", R(V + "matrix:\n  quantization.weights.bits: [4, 8]\n  exclude:\n    - { quantization.weights.bits: 3 }\n"),
            "r.yaml(7,36): error WMQ1402: matrix exclude value '3' is not among the values of 'quantization.weights.bits': 4, 8");
        yield return Case("matrix excluding everything", R(V + "matrix:\n  quantization.weights.bits: [4]\n  exclude:\n    - { quantization.weights.bits: 4 }\n"),
            "r.yaml(5,3): error WMQ1403: exclude removes every combination of the matrix; nothing would run");
        yield return Case("matrix combination breaks a rule", R(V + "quantization:\n  activations: { bits: 8, granularity: per-token }\nmatrix:\n  quantization.method: [rtn, gptq]\n"),
            "r.yaml(5,16): error WMQ1201: quantization.activations must be none with method 'gptq', which quantizes weights only; use rtn, omse, smoothquant or omniquant to quantize activations");
        yield return Case("weight-only method with activations", R(V + "quantization:\n  method: awq\n  activations: { bits: 8, granularity: per-token }\n"),
            "r.yaml(6,16): error WMQ1201: quantization.activations must be none with method 'awq', which quantizes weights only; use rtn, omse, smoothquant or omniquant to quantize activations");
        yield return Case("activations neither none nor a mapping", R(V + "quantization:\n  activations: off\n"),
            "r.yaml(5,16): error WMQ1103: quantization.activations must be 'none' or a mapping, got 'off'");
        yield return Case("unknown device", R(V + "device: gpu\n"),
            "r.yaml(4,9): error WMQ1106: device is 'gpu'; allowed: auto, cpu, cuda, cuda:N");
        yield return Case("negative seed", R(V + "seed: -1\n"),
            "r.yaml(4,7): error WMQ1104: seed is -1; allowed: 0-2147483647");
        yield return Case("zero evaluation episodes", R(V + "evaluation:\n  episodes: 0\n"),
            "r.yaml(5,13): error WMQ1104: evaluation.episodes is 0; allowed: 1-10000");
        yield return Case("artifact version not SemVer", R(V + "artifact: { version: 1.0 }\n"),
            "r.yaml(4,22): error WMQ1106: artifact.version is '1.0'; expected a SemVer version of at most 100 characters, such as 1.0.0 or 2.1.0-rc.1");
        yield return Case("artifact format unknown and repeated", R(V + "artifact: { formats: [safetensors, onnx, safetensors] }\n"),
            "r.yaml(4,36): error WMQ1105: artifact.formats[1] is 'onnx'; allowed: safetensors, nupkg",
            "r.yaml(4,42): error WMQ1107: artifact.formats lists 'safetensors' more than once");
        yield return Case("gate thresholds", R(V + "gates:\n  - { metric: success_rate, min: 0.5, max: 0.9 }\n  - { metric: success_rate, min: 1.5 }\n"),
            "r.yaml(5,5): error WMQ1204: gates[0] needs exactly one of min, max, max_drop_vs_baseline; it has min and max",
            "r.yaml(6,34): error WMQ1205: gates[1].min is 1.5; success_rate is a proportion, allowed: 0-1");
        yield return Case("gates not a list", R(V + "gates: { metric: success_rate }\n"),
            "r.yaml(4,8): error WMQ1103: gates must be a list, got a mapping");
        yield return Case("gate confidence of 1", R(V + "gates:\n  - { metric: success_rate, min: 0.8, confidence: 1 }\n"),
            "r.yaml(5,51): error WMQ1104: gates[0].confidence is 1; allowed: > 0 and < 1");
        yield return Case("environment with the wrong case", R("name: t\nmodel: { checkpoint: m.safetensors }\nenvironment: pushT\n"),
            "r.yaml(3,14): error WMQ1105: environment is 'pushT'; did you mean 'pusht'? allowed: wall, pusht");
        yield return Case("unknown module group", R(V + "quantization:\n  modules:\n    encodr: { weights: { bits: 8 } }\n"),
            "r.yaml(6,5): error WMQ1206: unknown module group 'encodr' in quantization.modules; did you mean 'encoder'? allowed: encoder, predictor, action_encoder, proprio_encoder, decoder, or a glob on layer names such as 'predictor.transformer.layers.*.0.to_qkv'");
        yield return Case("boolean spelt yes", R(V + "quantization:\n  weights: { symmetric: yes }\n"),
            "r.yaml(5,25): error WMQ1103: quantization.weights.symmetric must be true or false, got 'yes'");
        yield return Case("planner max_batch negative", R(V + "evaluation:\n  planner: { max_batch: -1 }\n"),
            "r.yaml(5,25): error WMQ1104: evaluation.planner.max_batch is -1; allowed: 0-1000000000");
        yield return Case("planner max_batch not an integer", R(V + "evaluation:\n  planner:\n    max_batch: 2.5\n"),
            "r.yaml(6,16): error WMQ1103: evaluation.planner.max_batch must be an integer (0-1000000000), got '2.5'");
        yield return Case("planner max_batch a word", R(V + "evaluation:\n  planner: { max_batch: auto }\n"),
            "r.yaml(5,25): error WMQ1103: evaluation.planner.max_batch must be an integer (0-1000000000), got 'auto'");
        yield return Case("top_k above samples", R(V + "evaluation:\n  planner: { samples: 10 }\n"),
            "r.yaml(5,12): error WMQ1208: evaluation.planner.top_k is 30, more than samples (10); allowed: 1-10");
        yield return Case("several problems at once", R(V + "seed: x\ndevice: tpu\nquantization:\n  method: awk\n"),
            "r.yaml(4,7): error WMQ1103: seed must be an integer (0-2147483647), got 'x'",
            "r.yaml(5,9): error WMQ1106: device is 'tpu'; allowed: auto, cpu, cuda, cuda:N",
            "r.yaml(7,11): error WMQ1105: quantization.method is 'awk'; did you mean 'awq'? allowed: rtn, omse, awq, smoothquant, omniquant, gptq");
        yield return Case("missing file reported beside other problems", R("name: t\nmodel: { checkpoint: gone.safetensors }\nenvironment: wall\nseed: -3\n"),
            "r.yaml(2,22): error WMQ1301: checkpoint 'gone.safetensors' not found (resolved to {root}/gone.safetensors)",
            "r.yaml(4,7): error WMQ1104: seed is -3; allowed: 0-2147483647");
        yield return Case("missing file does not hide a cross-setting rule",
            R("name: t\nmodel: { checkpoint: gone.safetensors }\nenvironment: wall\nquantization:\n  method: gptq\n  activations: { bits: 8 }\n"),
            "r.yaml(2,22): error WMQ1301: checkpoint 'gone.safetensors' not found (resolved to {root}/gone.safetensors)",
            "r.yaml(6,16): error WMQ1201: quantization.activations must be none with method 'gptq', which quantizes weights only; use rtn, omse, smoothquant or omniquant to quantize activations");
        yield return Case("cross-setting rule reported beside a bad value", R(V + "quantization:\n  method: awq\n  weights: { bits: 9 }\n  activations: { bits: 8 }\n"),
            "r.yaml(6,20): error WMQ1104: quantization.weights.bits is 9; allowed: 2-8 or 16",
            "r.yaml(7,16): error WMQ1201: quantization.activations must be none with method 'awq', which quantizes weights only; use rtn, omse, smoothquant or omniquant to quantize activations");
        yield return Case("no rule judges a default standing in for a bad value",
            R(V + "evaluation:\n  planner: { samples: many, top_k: 400 }\ngates:\n  - { metric: success_rate, min: high }\n"),
            "r.yaml(5,23): error WMQ1103: evaluation.planner.samples must be an integer (1-100000), got 'many'",
            "r.yaml(7,34): error WMQ1103: gates[0].min must be a number (0-1000000), got 'high'");
        yield return Case("matrix value escaping the repository", R(V + "matrix:\n  model.checkpoint: [m.safetensors, ../../x.safetensors]\n"),
            "r.yaml(5,37): error WMQ1302: checkpoint '../../x.safetensors' resolves to {top}/x.safetensors, outside the repository {root}; keep recipe inputs inside the repository");
        yield return Case("problem in a base reported in the base",
            [("base.yaml", V + "quantization:\n  weights:\n    bits: 99\n"), ("r.yaml", "extends: base.yaml\nname: child\n")],
            "base.yaml(6,11): error WMQ1104: quantization.weights.bits is 99; allowed: 2-8 or 16");
        yield return Case("extends cycle",
            [("a.yaml", "extends: b.yaml\nname: a\n"), ("b.yaml", "extends: a.yaml\n")],
            "b.yaml(1,10): error WMQ1303: extends 'a.yaml' makes a cycle: a.yaml -> b.yaml -> a.yaml");
        yield return Case("extends a missing base", R("extends: nope.yaml\nname: t\n"),
            "r.yaml(1,10): error WMQ1301: base recipe 'nope.yaml' not found (resolved to {root}/nope.yaml)");
    }

    [TestCaseSource(nameof(Cases))]
    public void Reports_every_problem_at_its_position_and_writes_nothing((string File, string Text)[] files, string[] expected)
    {
        using var workspace = new RecipeWorkspace();
        foreach (var (file, text) in files)
        {
            workspace.Write(file, text);
        }

        var before = workspace.Snapshot();
        var result = workspace.Load(files[0].File);

        var actual = result.Problems.Select(p => p.ToCanonicalString(workspace.Root)).ToList();
        var wanted = expected.Select(e => e.Replace("{root}", workspace.Root, StringComparison.Ordinal)
            .Replace("{outside}", workspace.Outside, StringComparison.Ordinal)
            .Replace("{top}", Path.GetDirectoryName(workspace.Outside), StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(actual, Is.EqualTo(wanted));
            Assert.That(result.IsValid, Is.False);
            Assert.That(result.Recipes, Is.Empty, "an invalid recipe yields nothing to run");
            Assert.That(workspace.Snapshot(), Is.EqualTo(before), "validation wrote or touched a file");
        });
    }
}
