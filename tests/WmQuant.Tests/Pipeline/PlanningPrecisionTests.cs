using WmQuant.Cli;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Gates;
using WmQuant.Planning;
using WmQuant.Recipes;
using WmQuant.Tests.Recipes;

namespace WmQuant.Tests.Pipeline;

/// <summary>Planning precision is a recipe choice: bound, written back, refused where the device cannot provide it, never paired across.</summary>
[NonParallelizable]
public sealed class PlanningPrecisionTests
{
    [Test]
    public void The_recipe_binds_precision_and_writes_it_back()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", RecipeWorkspace.ValidHead + "evaluation: { precision: bf16 }\n");
        ws.Write("bad.yaml", RecipeWorkspace.ValidHead + "evaluation: { precision: fp16 }\n");

        var recipe = ws.Load("r.yaml").Recipes.Single();
        var bad = ws.Load("bad.yaml");

        Assert.Multiple(() =>
        {
            Assert.That(recipe.Evaluation.Precision, Is.EqualTo(PlanningPrecision.Bf16));
            Assert.That((string)RecipeWriter.ToJson(recipe)["evaluation"]!["precision"]!, Is.EqualTo("bf16"));
            Assert.That(bad.Problems.Single().ToCanonicalString(ws.Root), Is.EqualTo("bad.yaml(4,26): error WMQ1105: evaluation.precision is 'fp16'; did you mean 'fp32'? allowed: fp32, tf32, bf16"));
        });
    }

    [Test]
    public void A_cpu_run_refuses_bf16_planning_as_an_environment_failure_and_writes_nothing()
    {
        using var ws = new PipelineWorkspace();
        string path = ws.WriteRecipe("bf16");
        File.WriteAllText(path, File.ReadAllText(path).Replace("  episodes: 2\n", "  episodes: 2\n  precision: bf16\n", StringComparison.Ordinal));
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = Program.Run(["run", path, "--repo-root", ws.Root, "--out", ws.Output, "--no-cache", "--device", "cpu"], output, error, CliServices.Default);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.EnvironmentFailure), output.ToString());
            Assert.That(output.ToString(), Does.Contain("error WMQ3201: evaluation.precision bf16 needs a CUDA device, and this run is on cpu"));
            Assert.That(Directory.Exists(ws.Output) ? Directory.GetFileSystemEntries(ws.Output) : [], Is.Empty);
        });
    }

    [Test]
    public void Regression_gates_do_not_pair_runs_of_different_precision()
    {
        var episodes = Enumerable.Range(0, 10).Select(i => new GateEpisode(99 * i + 1, true, 1.0)).ToList();
        var gate = new GateSpec(GateMetric.SuccessRate, null, null, 0.05, 0.95, null, null);

        var mixed = GateEvaluator.Evaluate(gate, new EvaluatedRun(episodes) { Precision = PlanningPrecision.Bf16 }, new EvaluatedRun(episodes));
        var alike = GateEvaluator.Evaluate(gate, new EvaluatedRun(episodes) { Precision = PlanningPrecision.Bf16 }, new EvaluatedRun(episodes) { Precision = PlanningPrecision.Bf16 });

        Assert.Multiple(() =>
        {
            Assert.That(mixed.Outcome, Is.EqualTo(GateOutcome.Error));
            Assert.That(mixed.Message, Does.Contain("the candidate planned in bf16 and the baseline in fp32"));
            Assert.That(alike.Outcome, Is.EqualTo(GateOutcome.Passed));
        });
    }
}
