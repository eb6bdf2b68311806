using System.Text.Json.Nodes;
using WmQuant.Recipes;

namespace WmQuant.Tests.Recipes;

/// <summary>What wmq writes about a recipe (recipe.resolved.json, validate --json) is itself a recipe, in the recipe's spellings.</summary>
public sealed class ResolvedRecipeTests
{
    [TestCase("quantize.yaml")]
    [TestCase("pipelines/wall-w8.yaml")]
    [TestCase("pipelines/wall-w4g128-gptq.yaml")]
    [TestCase("pipelines/consumer/wall-w4g128-cpu.yaml")]
    public void The_resolved_recipe_loads_back_to_the_same_recipe(string file)
    {
        string path = RepositoryFiles.PathOf(file);
        var original = RecipeLoader.Load(path).Recipes.Single();
        string resolved = RecipeWriter.ToText(original);
        string copy = Path.Combine(Path.GetDirectoryName(path)!, $".resolved-{Guid.NewGuid():N}.json");
        File.WriteAllText(copy, resolved);
        try
        {
            var back = RecipeLoader.Load(copy);
            Assert.That(back.Problems.Where(p => p.IsError), Is.Empty, resolved);
            var again = back.Recipes.Single();
            Assert.Multiple(() =>
            {
                Assert.That(RecipeWriter.ToText(again), Is.EqualTo(resolved), "write → load → write is a fixed point");
                Assert.That(again.Quantization.Describe(), Is.EqualTo(original.Quantization.Describe()));
                Assert.That(again.Evaluation, Is.EqualTo(original.Evaluation));
                Assert.That(again.Gates.Select(g => (g.Metric, g.Kind, g.Threshold, g.Confidence)),
                    Is.EqualTo(original.Gates.Select(g => (g.Metric, g.Kind, g.Threshold, g.Confidence))));
            });
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Test]
    public void Every_word_is_spelled_as_a_recipe_writes_it()
    {
        var recipe = RecipeLoader.Load(RepositoryFiles.PathOf("quantize.yaml")).Recipes.Single();
        var json = RecipeWriter.ToJson(recipe);
        string text = json.ToJsonString();

        Assert.Multiple(() =>
        {
            Assert.That((string)json["device"]!, Is.EqualTo("auto"));
            Assert.That((string)json["quantization"]!["weights"]!["granularity"]!, Is.EqualTo("group"));
            Assert.That((string)json["quantization"]!["activations"]!, Is.EqualTo("none"));
            Assert.That((string)json["evaluation"]!["planner"]!["kind"]!, Is.EqualTo("mpc-cem"));
            Assert.That((string)json["gates"]![0]!["metric"]!, Is.EqualTo("success_rate"));
            Assert.That(json["gates"]![1]!.AsObject().ContainsKey("max_drop_vs_baseline"), Is.True);
            Assert.That(text, Does.Not.Contain("is_bypass").And.Not.Contain("PerGroup").And.Not.Contain("\"kind\":\"auto\"").And.Not.Contain("latent-drift"));
        });
    }
}
