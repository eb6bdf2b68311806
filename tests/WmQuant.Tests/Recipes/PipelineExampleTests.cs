using WmQuant.Quantization.Primitives;
using WmQuant.Recipes;

namespace WmQuant.Tests.Recipes;

/// <summary>The recipes shipped in pipelines/ and quantize.yaml. Their models do not exist yet, so file checks are off.</summary>
public class PipelineExampleTests
{
    private static readonly RecipeLoadOptions NoFileChecks = new() { CheckFiles = false };

    public static IEnumerable<string> Recipes() =>
        Directory.EnumerateFiles(RepositoryFiles.PathOf("pipelines"), "*.yaml").Append(RepositoryFiles.PathOf("quantize.yaml")).Order(StringComparer.Ordinal)
            .Select(p => Path.GetRelativePath(RepositoryFiles.Root, p));

    [TestCaseSource(nameof(Recipes))]
    public void Shipped_recipe_is_valid_without_warnings(string relative)
    {
        var result = RecipeLoader.Load(RepositoryFiles.PathOf(relative), NoFileChecks);
        Assert.That(result.Problems.Select(p => p.ToCanonicalString(RepositoryFiles.Root)), Is.Empty);
        Assert.That(result.Recipes, Is.Not.Empty);
        Assert.That(result.Recipes.Select(r => r.Model.Checkpoint), Has.All.StartWith(RepositoryFiles.PathOf("models")));
    }

    [Test]
    public void Examples_share_the_base_and_differ_where_they_say()
    {
        Recipe Load(string name) => RecipeLoader.Load(RepositoryFiles.PathOf($"pipelines/{name}"), NoFileChecks).Recipes.Single();
        var w8 = Load("wall-w8.yaml");
        var gptq = Load("wall-w4g128-gptq.yaml");
        var pusht = Load("pusht-w4g128.yaml");
        var sweep = RecipeLoader.Load(RepositoryFiles.PathOf("pipelines/wall-sweep.yaml"), NoFileChecks).Recipes;

        Assert.Multiple(() =>
        {
            Assert.That(w8.Quantization.Weights, Is.EqualTo(new WeightQuantConfig(8, WeightGranularity.PerChannel, 128, true)));
            Assert.That(w8.Gates.Single().MaxDropVsBaseline, Is.EqualTo(0.02));
            Assert.That(w8.Calibration, Is.EqualTo(new CalibrationSpec(50, 2, 2)), "from base.yaml");
            Assert.That(gptq.Quantization.Method.Name, Is.EqualTo("gptq"));
            Assert.That(gptq.Quantization.Overrides.Single().Weights, Is.EqualTo(new WeightQuantConfig(8, WeightGranularity.PerChannel, 128, true)));
            Assert.That(gptq.Artifact.Formats, Is.EqualTo(new[] { ArtifactFormat.Safetensors, ArtifactFormat.Nupkg }));
            Assert.That(pusht.Environment, Is.EqualTo("pusht"));
            Assert.That(pusht.Quantization.Method.Name, Is.EqualTo("awq"));
            Assert.That(pusht.Quantization.Options, Is.EqualTo(new WmQuant.Quantization.Methods.Awq.AwqOptions { Grid = 20, ClipSearch = true }));
            Assert.That(pusht.Evaluation.Planner.OptSteps, Is.EqualTo(30));
            Assert.That(pusht.Gates.Select(g => g.Min), Is.EqualTo(new double?[] { 0.35, null }));
            Assert.That(sweep.Select(r => r.Name), Is.EqualTo(new[]
            {
                "wall-sweep-8-channel", "wall-sweep-8-group", "wall-sweep-6-channel", "wall-sweep-6-group",
                "wall-sweep-4-channel", "wall-sweep-4-group", "wall-sweep-3-group",
            }));
            Assert.That(sweep.Select(r => r.Evaluation.Planner.Profile).Distinct(), Is.EqualTo(new[] { "cpu" }));
            Assert.That(sweep.Select(r => r.Gates.Count).Distinct(), Is.EqualTo(new[] { 0 }));
        });
    }
}
