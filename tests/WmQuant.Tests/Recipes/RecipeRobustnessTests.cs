using FsCheck;
using FsCheck.Fluent;
using Gen = FsCheck.Fluent.Gen;
using WmQuant.Recipes;

namespace WmQuant.Tests.Recipes;

/// <summary>Whatever text a recipe file holds, loading reports problems and never throws.</summary>
public class RecipeRobustnessTests
{
    private static readonly char[] YamlAlphabet = "ab:{}[],-#&*!|>'\"? \n\n\t019.%@`~=".ToCharArray();

    private static readonly string[] Fragments =
    [
        "name: t\n", "model: { checkpoint: m.safetensors }\n", "environment: wall\n", "quantization:\n", "  weights:\n",
        "    bits: 4\n", "  - x\n", "matrix:\n", "  quantization.weights.bits: [4, 8]\n", "extends: r.yaml\n", "&a ", "*a", "{ ", " }",
        "[", "]", ": ", "- ", "\t", "'", "\"", "---\n", "gates:\n  - { metric: success_rate, min: 0.5 }\n", "  exclude: [ { a: 1 } ]\n",
    ];

    [Test]
    public void Random_yaml_like_text_never_throws()
    {
        using var ws = new RecipeWorkspace();
        var characters = Gen.Elements(YamlAlphabet).ArrayOf().Select(c => new string(c));
        var fragments = Gen.Elements(Fragments).ListOf().Select(f => string.Concat(f));
        var text = Gen.OneOf(characters, fragments);

        foreach (string content in text.Sample(size: 40, seed: new Rnd(Seeds.Value), numberOfSamples: 2000))
        {
            ws.Write("r.yaml", content);
            RecipeLoadResult result = null!;
            Assert.That(() => result = ws.Load("r.yaml"), Throws.Nothing, content);
            Assert.That(result.Problems.All(p => p.Position is { Line: >= 1, Column: >= 1 } && p.Code.StartsWith("WMQ", StringComparison.Ordinal)), content);
            Assert.That(result.IsValid || result.Recipes.Count == 0, content);
        }
    }

    private const string RichRecipe = """
        name: rich
        model: { checkpoint: m.safetensors, config: m.safetensors }
        environment: wall
        device: cuda:1
        seed: 3
        calibration: { episodes: 5, seed_offset: 2, mpc_iterations: 1 }
        quantization:
          method: omse
          weights: { bits: 4, granularity: group, group_size: 32, symmetric: false }
          activations: { bits: 8, granularity: per-tensor }
          modules:
            encoder: { weights: { bits: 8 }, activations: none }
            predictor.transformer.*: { weights: { group_size: 64 } }
          method_options:
            omse: { candidates: 40 }
            gptq: { damp: 0.02, block_size: 64, act_order: true }
        evaluation:
          episodes: 4
          seed_offset: 1
          planner: { profile: cpu, kind: mpc-gd, horizon: 3, samples: 16, top_k: 4, opt_steps: 2, max_iterations: 3, alpha: 0.5 }
        gates:
          - { metric: success_rate, min: 0.5, confidence: 0.9 }
          - { metric: state_distance, max: 4.5 }
          - { metric: success_rate, max_drop_vs_baseline: 0.1, baseline: fp }
        artifact: { name: rich-art, version: 1.2.3-rc.1, formats: [safetensors, nupkg] }
        matrix:
          quantization.weights.bits: [4, 8]
          quantization.method: [omse, rtn]
          exclude:
            - { quantization.weights.bits: 8, quantization.method: rtn }
        """;

    private static readonly string[] Junk = ["x", "-1", "0", "[]", "{}", "none", "''", "99999999999", "1.5", "true", "[a, b]", "{ a: 1 }", "~", "awq", "group", "cuda:x"];

    [Test]
    public void A_rich_recipe_with_values_replaced_by_junk_never_throws()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("rich.yaml", RichRecipe);
        Assert.That(ws.Load("rich.yaml").Problems, Is.Empty, "the unmutated recipe is valid");

        var random = new Random((int)Seeds.Value);
        var scalar = new System.Text.RegularExpressions.Regex(@"(?<=: )[^\s,{}\[\]]+");
        for (int sample = 0; sample < 1500; sample++)
        {
            string text = RichRecipe;
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                var matches = scalar.Matches(text);
                if (matches.Count == 0)
                {
                    break;
                }

                var match = matches[random.Next(matches.Count)];
                text = text[..match.Index] + Junk[random.Next(Junk.Length)] + text[(match.Index + match.Length)..];
            }

            ws.Write("rich.yaml", text);
            RecipeLoadResult result = null!;
            Assert.That(() => result = ws.Load("rich.yaml"), Throws.Nothing, text);
            Assert.That(result.IsValid || result.Recipes.Count == 0, text);
        }
    }
}
