using System.Text.Json.Nodes;
using WmQuant.Cli;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Recipes;
using WmQuant.Recipes.Schema;
using WmQuant.Tests.Pipeline;
using WmQuant.Tests.Quantization;

namespace WmQuant.Tests.Cli;

/// <summary>
/// Adding a method is one file and one registration: <see cref="ToyMethod"/> lives only in this test assembly, and
/// once registered, validation, the JSON Schema, `wmq quantize` and the manifest all know it, with no other file touched.
/// </summary>
[NonParallelizable]
public sealed class ToyMethodTests
{
    private static (int Code, string Out, string Error) Wmq(CliServices services, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Program.Run(args, output, error, services);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void A_registered_toy_method_is_accepted_by_validation_the_schema_wmq_quantize_and_the_manifest()
    {
        using var ws = new PipelineWorkspace();
        string recipe = ws.WriteRecipe("toy", method: "toy", methodOptions: "{ toy: { level: 7 } }");
        var services = new CliServices(ToyMethod.Registry);

        var builtin = Wmq(CliServices.Default, "validate", recipe, "--repo-root", ws.Root);
        var validated = Wmq(services, "validate", recipe, "--repo-root", ws.Root);
        var quantized = Wmq(services, "quantize", recipe, "--repo-root", ws.Root, "--out", ws.Output, "--no-cache", "--device", "cpu", "--quiet");
        var schema = JsonNode.Parse(RecipeJsonSchema.Generate(RecipeSchema.For(ToyMethod.Registry)))!;
        var quantization = schema["properties"]!["quantization"]!["properties"]!;

        Assert.Multiple(() =>
        {
            Assert.That(builtin.Code, Is.EqualTo(ExitCodes.InvalidInput), "the built-in registry does not know the toy");
            Assert.That(builtin.Out, Does.Contain("error WMQ1105: quantization.method is 'toy'; allowed: rtn, omse, awq, smoothquant, omniquant, gptq"));
            Assert.That(validated.Code, Is.EqualTo(ExitCodes.Passed), validated.Out + validated.Error);
            Assert.That(quantization["method"]!["enum"]!.AsArray().Select(n => (string)n!), Does.Contain("toy"));
            Assert.That((int)quantization["method_options"]!["properties"]!["toy"]!["properties"]!["level"]!["default"]!, Is.EqualTo(3));
            Assert.That(quantized.Code, Is.EqualTo(ExitCodes.Passed), quantized.Out + quantized.Error);
        });

        var manifest = ArtifactManifest.Load(Path.Combine(ws.Output, "toy-artifact", ArtifactManifest.FileName));
        Assert.Multiple(() =>
        {
            Assert.That(manifest.Quantization.Method, Is.EqualTo("toy"));
            Assert.That(manifest.Quantization.Summary, Does.StartWith("toy W4 g32"));
            Assert.That((int)manifest.Quantization.Settings!["method_options"]!["toy"]!["level"]!, Is.EqualTo(7));
            Assert.That(manifest.Quantization.Layers, Is.Not.Empty);
            Assert.That(manifest.Status, Is.EqualTo(RunStatus.Ungated), "quantize does not evaluate");
        });
    }

    [Test]
    public void Options_out_of_their_declared_bounds_are_refused_at_validation()
    {
        using var ws = new PipelineWorkspace();
        string recipe = ws.WriteRecipe("toy", method: "toy", methodOptions: "{ toy: { level: 12 } }");

        var result = RecipeLoader.Load(recipe, new RecipeLoadOptions { RepositoryRoot = ws.Root, Methods = ToyMethod.Registry });

        Assert.That(result.Problems.Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
        {
            "toy.yaml(11,35): error WMQ1104: quantization.method_options.toy.level is 12; allowed: 1-9",
        }));
    }
}
