using WmQuant.Models;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Tuning;

namespace WmQuant.Tests.Tuning;

/// <summary>Costs, ladders and the requests a search space turns candidates into.</summary>
public sealed class SearchSpaceTests
{
    [TestCase(3, WeightGranularity.PerGroup, 384, 1536, 3.333)]
    [TestCase(4, WeightGranularity.PerGroup, 384, 1536, 4.125)]
    [TestCase(8, WeightGranularity.PerChannel, 384, 1536, 8.0104)]
    [TestCase(3, WeightGranularity.PerGroup, 2048, 404, 3.406)]
    [TestCase(7, WeightGranularity.PerGroup, 2048, 404, 8.158)]
    public void Storage_bits_per_weight_are_the_packed_layouts(int bits, WeightGranularity granularity, long rows, long columns, double expected)
    {
        // The figures of the packed-layout table in src/WmQuant/Quantization/README.md (K = columns, fp16 scales).
        var config = new WeightQuantConfig(bits, granularity, 128);
        double perWeight = (double)SearchSpace.StorageBits(rows, columns, config) / (rows * columns);
        Assert.That(perWeight, Is.EqualTo(expected).Within(5e-4));
    }

    [Test]
    public void Asymmetric_weights_pay_for_packed_zero_points_and_float_weights_for_32_bits()
    {
        var sym = new WeightQuantConfig(4, WeightGranularity.PerGroup, 128, symmetric: true);
        var asym = sym with { Symmetric = false };
        long difference = SearchSpace.StorageBits(64, 256, asym) - SearchSpace.StorageBits(64, 256, sym);
        Assert.Multiple(() =>
        {
            Assert.That(difference, Is.EqualTo(64 / 8 * 2 * 32), "int32 words of 8 four-bit zero points, per group column");
            Assert.That(SearchSpace.StorageBits(64, 256, new WeightQuantConfig(16, WeightGranularity.PerChannel)), Is.EqualTo(64 * 256 * 32));
        });
    }

    [Test]
    public void Knapsack_frontier_starts_at_the_cheapest_allocation_and_trades_cost_for_sensitivity_monotonically()
    {
        var space = ToySearch.Space();
        var table = ToySearch.Faithful(space, ToySearch.Needs());

        var ladder = CandidateLadders.Knapsack(space, "rtn", table);

        double Sensitivity(Candidate c) => Enumerable.Range(0, space.Units.Count).Sum(u => table[u, c.Levels[u]]);
        Assert.Multiple(() =>
        {
            Assert.That(ladder[0].Levels, Is.All.EqualTo(0));
            Assert.That(ladder.Select(space.StorageBits), Is.Ordered.Ascending);
            Assert.That(ladder.Select(Sensitivity), Is.Ordered.Descending);
            Assert.That(ladder.Select(c => c.Key).Distinct().Count(), Is.EqualTo(ladder.Count));
            Assert.That(ladder[^1].Levels, Is.All.EqualTo(2), "least summed sensitivity: every unit at W8");
            Assert.That(ladder.Select(c => c.Levels.ToArray()), Has.Some.EqualTo(new[] { 0, 0, 0, 2, 0, 0 }),
                "L3 alone at W8 beats every allocation of the same cost that leaves it short");
        });
    }

    [Test]
    public void Fallback_ladder_raises_units_in_sensitivity_order()
    {
        var space = ToySearch.Space();

        var ladder = CandidateLadders.Fallback(space, "rtn", ToySearch.Ranked(space, 4, 1));

        Assert.Multiple(() =>
        {
            Assert.That(ladder, Has.Count.EqualTo(7));
            Assert.That(ladder[0].Levels, Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0 }));
            Assert.That(ladder[1].Levels, Is.EqualTo(new[] { 0, 0, 0, 0, 2, 0 }));
            Assert.That(ladder[2].Levels, Is.EqualTo(new[] { 0, 2, 0, 0, 2, 0 }));
            Assert.That(ladder[3].Levels, Is.EqualTo(new[] { 2, 2, 0, 0, 2, 0 }), "then the rest in model order");
            Assert.That(ladder[^1].Levels, Is.All.EqualTo(2));
        });
    }

    [Test]
    public void A_candidate_becomes_the_recipes_request_with_overrides_only_where_the_search_changed_something()
    {
        var rtn = QuantizationMethodRegistry.Builtin.Find("rtn")!;
        var w3 = new WeightQuantConfig(3, WeightGranularity.PerGroup, 128);
        var w8 = new WeightQuantConfig(8, WeightGranularity.PerGroup, 128);
        string[] encoder = ["encoder.blocks.0.attn.qkv", "encoder.blocks.0.mlp.fc1"];
        string[] predictor = ["predictor.transformer.layers.0.0.to_qkv", "predictor.transformer.layers.0.1.net.1"];
        var units = encoder.Concat(predictor).Select(n => new SearchUnit(n, [new SearchLayer(n, 96, 96, null)])).ToList();
        var space = new SearchSpace(units, [w3, w8], ["rtn"], [.. encoder, .. predictor, "action_encoder.patch_embed"]);
        var recipe = new QuantizationRequest(rtn, rtn.BindOptions(new Dictionary<string, object>()), w3, null, []);
        var method = new SearchMethod(rtn, recipe.Options);

        var one = space.Request(recipe, method, new Candidate("rtn", [0, 1, 0, 0]));
        var group = space.Request(recipe, method, new Candidate("rtn", [0, 0, 1, 1]));
        var none = space.Request(recipe, method, space.Uniform("rtn", 0));

        Assert.Multiple(() =>
        {
            Assert.That(one.Overrides.Select(o => (o.Selector.ToString(), o.Weights)), Is.EqualTo(new[] { ("encoder.blocks.0.mlp.fc1", w8) }));
            Assert.That(group.Overrides.Select(o => (o.Selector.ModuleGroup, o.Weights)), Is.EqualTo(new[] { ((ModuleGroup?)ModuleGroup.Predictor, w8) }),
                "every predictor layer at one level: one rule for the group");
            Assert.That(none.Overrides, Is.Empty);
            Assert.That(one.Plan.WeightsFor("encoder.blocks.0.mlp.fc1"), Is.EqualTo(w8));
            Assert.That(one.Plan.WeightsFor("encoder.blocks.0.attn.qkv"), Is.EqualTo(w3));
            Assert.That(group.Plan.WeightsFor("predictor.transformer.layers.0.1.net.1"), Is.EqualTo(w8));
            Assert.That(space.BitsPerWeight(new Candidate("rtn", [0, 1, 0, 0])),
                Is.EqualTo((3 * (double)SearchSpace.StorageBits(96, 96, w3) + SearchSpace.StorageBits(96, 96, w8)) / (4 * 96 * 96)).Within(1e-12));
        });
    }
}
