using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Recipes;
using WmQuant.Recipes.Composition;
using WmQuant.Recipes.Schema;
using WmQuant.Recipes.Yaml;

namespace WmQuant.Tests.Recipes;

/// <summary>The limits recipes are held to that the hostile process tests cannot reach through the reader's own limits.</summary>
public sealed class RecipeLimitTests
{
    private const string V = RecipeWorkspace.ValidHead;

    [Test]
    public void Four_axes_of_65536_values_are_2_to_the_64_combinations_not_0()
    {
        // Built past the reader's node limit on purpose: the count itself must not wrap.
        string values = string.Join(", ", Enumerable.Range(1, 65_536));
        string text = V + "matrix:\n" + string.Concat(new[] { "seed", "evaluation.planner.samples", "evaluation.planner.alpha", "evaluation.planner.top_k" }
            .Select(k => $"  {k}: [{values}]\n"));
        var problems = new List<Diagnostic>();
        var tree = (YamlTreeMapping)YamlTreeReader.Read(text, "/r.yaml", problems, InputLimits.Recipe with { MaxBytes = long.MaxValue, MaxNodes = long.MaxValue })!;
        Assert.That(problems, Is.Empty);

        var combinations = new MatrixExpander(RecipeSchema.Builtin, problems, 1024).Expand(tree);

        Assert.That(combinations, Has.Count.EqualTo(1), "nothing expanded");
        Assert.That(problems.Single().ToCanonicalString(), Does.StartWith(
            "/r.yaml(5,3): error WMQ1403: the matrix expands to 18,446,744,073,709,551,616 combinations (65,536 × 65,536 × 65,536 × 65,536)"));
    }

    [Test]
    public void Bases_each_within_the_node_limit_are_held_to_it_together()
    {
        using var ws = new RecipeWorkspace();
        string gates = string.Concat(Enumerable.Repeat("  - { metric: success_rate, min: 0.5 }\n", 1_100));
        ws.Write("a.yaml", "gates:\n" + gates);
        ws.Write("b.yaml", "extends: a.yaml\nx_gates:\n" + gates);
        ws.Write("r.yaml", "extends: b.yaml\n" + V);

        var result = ws.Load("r.yaml");

        Assert.That(result.Problems.Select(p => p.Code), Does.Contain(DiagnosticCodes.TooManyNodes));
        Assert.That(result.Problems.First(p => p.Code == DiagnosticCodes.TooManyNodes).Message, Does.Contain("the recipe and the bases it extends hold"));
    }

    [Test]
    public void A_CEM_planner_needs_two_samples_and_two_elites()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "evaluation: { planner: { samples: 1, top_k: 1 } }\n");
        ws.Write("gd.yaml", V + "evaluation: { planner: { kind: mpc-gd, samples: 1, top_k: 1 } }\n");

        Assert.Multiple(() =>
        {
            Assert.That(ws.Load("r.yaml").Problems.Select(p => p.ToCanonicalString(ws.Root)), Is.EqualTo(new[]
            {
                "r.yaml(4,35): error WMQ1208: evaluation.planner.samples is 1; CEM refits a mean and deviation to its elites, so it needs at least 2 samples and top_k of 2 or more",
            }));
            Assert.That(ws.Load("gd.yaml").IsValid, Is.True, "gradient planners run one candidate");
        });
    }

    [Test]
    public void Every_number_in_the_schema_has_a_finite_documented_range()
    {
        var unbounded = new List<string>();
        void Walk(SchemaType type, string path)
        {
            switch (type)
            {
                case MapType map:
                    map.Fields.ToList().ForEach(f => Walk(f.Type, path.Length == 0 ? f.Name : $"{path}.{f.Name}"));
                    break;
                case DictionaryType dictionary:
                    Walk(dictionary.Values, path + ".<module>");
                    break;
                case ListType list:
                    Walk(list.Items, path + "[]");
                    break;
                case NoneOrType noneOr:
                    Walk(noneOr.Inner, path);
                    break;
                case IntegerType integer when integer.Min == long.MinValue || integer.Max == long.MaxValue:
                case NumberType number when number.Min is null || number.Max is null:
                    unbounded.Add(path);
                    break;
            }
        }

        Walk(RecipeSchema.Builtin.Root, "");
        Assert.That(unbounded, Is.Empty, "numbers without both bounds");
    }

    [Test]
    public void Digits_too_many_for_any_integer_are_out_of_range_not_the_wrong_type()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "seed: -99999999999999999999999\n");
        Assert.That(ws.Load("r.yaml").Problems.Single().ToCanonicalString(ws.Root),
            Is.EqualTo("r.yaml(4,7): error WMQ1104: seed is -99999999999999999999999; allowed: 0-2147483647"));
    }

    [Test]
    public void A_recipe_whose_text_is_one_scalar_is_not_echoed()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", "root:x:0:0:root:/root:/bin/bash\n");
        Assert.That(ws.Load("r.yaml").Problems.Single().ToCanonicalString(ws.Root),
            Is.EqualTo("r.yaml(1,1): error WMQ1004: a recipe must be a mapping of settings, got plain text (one YAML scalar)"));
    }

    [Test]
    public void Loading_a_hostile_recipe_writes_nothing()
    {
        using var ws = new RecipeWorkspace();
        ws.Write("r.yaml", V + "matrix:\n  seed: [" + string.Join(", ", Enumerable.Range(0, 2000)) + "]\n");
        var before = ws.Snapshot();

        Assert.That(ws.Load("r.yaml").Problems.Single().Code, Is.EqualTo(DiagnosticCodes.MatrixSize));
        Assert.That(ws.Snapshot(), Is.EqualTo(before));
    }
}
