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
            Assert.That(result.Problems.All(p => p.Line >= 1 && p.Column >= 1 && p.Code.StartsWith("WMQ", StringComparison.Ordinal)), content);
            Assert.That(result.IsValid || result.Recipes.Count == 0, content);
        }
    }
}
