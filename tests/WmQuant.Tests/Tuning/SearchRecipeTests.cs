using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes;
using WmQuant.Tests.Recipes;
using WmQuant.Tuning;

namespace WmQuant.Tests.Tuning;

/// <summary>The recipe's <c>search:</c> section: binding with its defaults, the checks wmq validate runs, the resolved form.</summary>
public sealed class SearchRecipeTests
{
    private const string Head = RecipeWorkspace.ValidHead +
        "quantization: { method: rtn, weights: { bits: 3, granularity: group, group_size: 64 } }\n" +
        "evaluation: { episodes: 20 }\n" +
        "gates: [ { metric: success_rate, max_drop_vs_baseline: 0.05 } ]\n";

    private static RecipeLoadResult Load(string text)
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", text);
        return ws.Load("r.yaml");
    }

    [Test]
    public void The_section_binds_with_defaults_from_the_quantization_and_evaluation_sections()
    {
        var result = Load(Head + "search: { bits: [3, 4, 8] }\n");

        Assert.That(result.Problems, Is.Empty);
        var search = result.Recipes.Single().Search!;
        Assert.Multiple(() =>
        {
            Assert.That(search.Objective, Is.EqualTo(SearchObjective.BitsPerWeight));
            Assert.That(search.Strategy, Is.EqualTo(SearchStrategy.Fallback));
            Assert.That(search.Unit, Is.EqualTo(AllocationUnit.Layer));
            Assert.That(search.Bits, Is.EqualTo(new[] { 3, 4, 8 }));
            Assert.That(search.Granularities, Is.EqualTo(new[] { WeightGranularity.PerGroup }));
            Assert.That(search.GroupSizes, Is.EqualTo(new[] { 64 }));
            Assert.That(search.Methods.Select(m => m.Name), Is.EqualTo(new[] { "rtn" }));
            Assert.That(search.Budget, Is.EqualTo(new SearchBudget(12, null)));
            Assert.That(search.SensitivityEpisodes, Is.EqualTo(8));
            Assert.That(search.Confirmation, Is.EqualTo(new ConfirmationSpec(20, 3, 1)), "episodes from evaluation, fresh seeds 99n+3");
            Assert.That(search.Levels(result.Recipes.Single().Quantization.Weights).Select(l => (l.Bits, l.GroupSize)),
                Is.EqualTo(new[] { (3, 64), (4, 64), (8, 64) }));
        });
    }

    [Test]
    public void Every_setting_binds_and_methods_keep_their_own_options()
    {
        var result = Load(Head.Replace("method: rtn,", "method: rtn, method_options: { gptq: { damp: 0.05 } },", StringComparison.Ordinal) + """
            search:
              objective: bytes
              strategy: knapsack
              unit: block
              bits: [2, 4, 16]
              granularity: [group, channel]
              group_sizes: [32, 128]
              methods: [rtn, gptq]
              budget: { evaluations: 3, minutes: 7.5 }
              sensitivity: { episodes: 2 }
              confirmation: { episodes: 40, seed_offset: 5, attempts: 2 }

            """);

        Assert.That(result.Problems, Is.Empty);
        var recipe = result.Recipes.Single();
        var search = recipe.Search!;
        Assert.Multiple(() =>
        {
            Assert.That((search.Objective, search.Strategy, search.Unit), Is.EqualTo((SearchObjective.Bytes, SearchStrategy.Knapsack, AllocationUnit.Block)));
            Assert.That(search.Budget, Is.EqualTo(new SearchBudget(3, 7.5)));
            Assert.That(search.Confirmation, Is.EqualTo(new ConfirmationSpec(40, 5, 2)));
            Assert.That(search.Methods.Select(m => m.Name), Is.EqualTo(new[] { "rtn", "gptq" }));
            Assert.That(search.Methods[1].Definition.Describe(search.Methods[1].Options).Single(o => o.Key == "damp").Value, Is.EqualTo(0.05));
            Assert.That(search.Levels(recipe.Quantization.Weights).Select(QuantizationDescription),
                Is.EqualTo(new[] { "W2 g32", "W2 g128", "W2 per-channel", "W4 g32", "W4 g128", "W4 per-channel", "W16" }));
        });
    }

    [TestCase("search: { bits: [3, 8], confirmation: { seed_offset: 1 } }", "search.confirmation.seed_offset 1 gives the same episode seeds as evaluation.seed_offset 1")]
    [TestCase("search: { bits: [3, 8], confirmation: { seed_offset: 2 } }", "search.confirmation.seed_offset 2 gives the same episode seeds as calibration.seed_offset 2")]
    [TestCase("search: { bits: [4] }", "a search needs at least two to choose from")]
    public void Unrunnable_searches_are_refused_at_validate(string search, string message)
    {
        var result = Load(Head + search + "\n");

        var problem = result.Problems.Single(p => p.IsError);
        Assert.Multiple(() =>
        {
            Assert.That(problem.Code, Is.EqualTo(DiagnosticCodes.SearchInconsistent));
            Assert.That(problem.Message, Does.Contain(message));
            Assert.That(problem.Position!.Value.Line, Is.EqualTo(7), "the search line");
        });
    }

    [Test]
    public void A_search_without_gates_is_refused()
    {
        var result = Load(RecipeWorkspace.ValidHead + "search: { bits: [3, 8] }\n");

        Assert.That(result.Problems.Select(p => (p.Code, p.Position!.Value.Line)), Is.EqualTo(new[] { (DiagnosticCodes.SearchInconsistent, 4) }));
        Assert.That(result.Problems[0].Message, Does.StartWith("search needs gates to judge candidates by"));
    }

    [Test]
    public void Weight_only_methods_cannot_be_searched_with_activations()
    {
        var result = Load(RecipeWorkspace.ValidHead + """
            quantization: { method: rtn, activations: { bits: 8 } }
            gates: [ { metric: success_rate, max_drop_vs_baseline: 0.05 } ]
            search: { bits: [4, 8], methods: [rtn, gptq] }

            """);

        var problem = result.Problems.Single(p => p.IsError);
        Assert.That((problem.Code, problem.Message), Is.EqualTo((DiagnosticCodes.WeightOnlyWithActivations,
            "search.methods names 'gptq', which quantizes weights only, but the quantization section quantizes activations")));
    }

    [TestCase("search: { bits: [3, 9] }", DiagnosticCodes.OutOfRange)]
    [TestCase("search: { bits: [3, 3] }", DiagnosticCodes.BadList)]
    [TestCase("search: { bits: [3, 8], strategy: greedy }", DiagnosticCodes.NotAllowed)]
    [TestCase("search: { bits: [3, 8], methods: [hqq] }", DiagnosticCodes.NotAllowed)]
    [TestCase("search: { bits: [3, 8], budget: { evaluations: 0 } }", DiagnosticCodes.OutOfRange)]
    [TestCase("search: { strategy: knapsack }", DiagnosticCodes.MissingKey)]
    [TestCase("search: { bits: [3, 8], budget: { evals: 3 } }", DiagnosticCodes.UnknownKey)]
    public void Schema_errors_in_the_section_have_their_codes(string search, string code)
    {
        var result = Load(Head + search + "\n");

        Assert.That(result.Problems.Where(p => p.IsError).Select(p => p.Code), Does.Contain(code), string.Join("\n", result.Problems));
    }

    [Test]
    public void The_shipped_tune_recipe_resolves_to_a_recipe_that_loads_back_to_itself()
    {
        string path = RepositoryFiles.PathOf("pipelines/tune/wall-tune.yaml");
        var original = RecipeLoader.Load(path).Recipes.Single();
        string resolved = RecipeWriter.ToText(original);
        string copy = Path.Combine(Path.GetDirectoryName(path)!, $".resolved-{Guid.NewGuid():N}.json");
        File.WriteAllText(copy, resolved);
        try
        {
            var again = RecipeLoader.Load(copy).Recipes.Single();
            Assert.Multiple(() =>
            {
                Assert.That(RecipeWriter.ToText(again), Is.EqualTo(resolved));
                Assert.That(again.Search, Is.Not.Null);
                Assert.That(again.Search!.Bits, Is.EqualTo(original.Search!.Bits));
                Assert.That(again.Search.Confirmation, Is.EqualTo(original.Search.Confirmation));
                Assert.That(again.Search.Budget, Is.EqualTo(original.Search.Budget));
                Assert.That(again.Quantization.Weights.Bits, Is.EqualTo(3), "the search starts from uniform W3 g128");
                Assert.That(again.Gates.Select(g => (g.Min, g.MaxDropVsBaseline)), Is.EqualTo(new (double?, double?)[] { (0.85, null), (null, 0.05) }));
            });
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Test]
    public void Recipes_without_the_section_write_none()
    {
        var recipe = RecipeLoader.Load(RepositoryFiles.PathOf("quantize.yaml")).Recipes.Single();
        Assert.Multiple(() =>
        {
            Assert.That(recipe.Search, Is.Null);
            Assert.That(RecipeWriter.ToJson(recipe).ContainsKey("search"), Is.False);
        });
    }

    private static string QuantizationDescription(WeightQuantConfig weights) =>
        global::WmQuant.Quantization.Model.QuantizationRequest.Describe(weights.IsBypass ? null : weights);
}
