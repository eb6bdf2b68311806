using System.Text.Json;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Recipes;
using WmQuant.Recipes.Schema;
using WmQuant.Recipes.Yaml;

// FsCheck's [Property] supplies the arguments; the NUnit analyzer only knows NUnit's own attributes.
#pragma warning disable NUnit1027

namespace WmQuant.Tests.Recipes;

public partial class RecipeSchemaTests
{
    private const string SchemaPath = "src/WmQuant/Recipes/recipe.schema.json";

    [Test]
    public void Committed_json_schema_is_up_to_date()
    {
        string committed = File.ReadAllText(RepositoryFiles.PathOf(SchemaPath)).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.That(committed, Is.EqualTo(RecipeJsonSchema.Generate()),
            $"regenerate with: dotnet run --project src/WmQuant.Cli -- validate --schema {SchemaPath}");
    }

    [Test]
    public void Json_schema_is_valid_json_and_covers_every_descriptor()
    {
        using var document = JsonDocument.Parse(RecipeJsonSchema.Generate());
        var root = document.RootElement;
        Assert.That(root.GetProperty("$schema").GetString(), Is.EqualTo("https://json-schema.org/draft/2020-12/schema"));

        var missing = new List<string>();
        int covered = Cover(RecipeSchema.Builtin.Root, root, "", missing);

        Assert.That(missing, Is.Empty);
        Assert.That(covered, Is.GreaterThan(60), "the walk reached the whole descriptor tree");
    }

    /// <summary>Walks descriptors and JSON side by side; every field must appear with its description and default.</summary>
    private static int Cover(SchemaType type, JsonElement json, string path, List<string> missing)
    {
        int count = 0;
        switch (type)
        {
            case MapType map:
                var properties = json.GetProperty("properties");
                Assert.That(json.GetProperty("additionalProperties").GetBoolean(), Is.False, path);
                foreach (var field in map.Fields)
                {
                    count++;
                    if (!properties.TryGetProperty(field.Name, out var property))
                    {
                        missing.Add($"{path}.{field.Name}");
                        continue;
                    }

                    Assert.That(property.GetProperty("description").GetString(), Is.EqualTo(field.Description));
                    Assert.That(property.TryGetProperty("default", out _), Is.EqualTo(field.Default is not null), $"{path}.{field.Name} default");
                    count += Cover(field.Type, property, $"{path}.{field.Name}", missing);
                }

                break;
            case NoneOrType noneOr:
                count += Cover(noneOr.Inner, json.GetProperty("anyOf")[1], path, missing);
                break;
            case ListType list:
                count += Cover(list.Items, json.GetProperty("items"), path + "[]", missing);
                break;
            case DictionaryType dictionary:
                foreach (string key in dictionary.NamedKeys)
                {
                    count += Cover(dictionary.Values, json.GetProperty("properties").GetProperty(key), $"{path}.{key}", missing);
                }

                count += Cover(dictionary.Values, json.GetProperty("additionalProperties"), path + ".*", missing);
                break;
            case ChoiceType choice:
                Assert.That(json.GetProperty("enum").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(choice.Values), path);
                break;
            case IntegerType { AlsoAllowed.Count: > 0 } integer:
                Assert.That(json.GetProperty("anyOf")[1].GetProperty("const").GetInt64(), Is.EqualTo(integer.AlsoAllowed[0]), path);
                break;
        }

        return count;
    }

    [Test]
    public void Matrix_paths_in_the_schema_all_resolve_to_settings()
    {
        using var document = JsonDocument.Parse(RecipeJsonSchema.Generate());
        var names = document.RootElement.GetProperty("properties").GetProperty("matrix")
            .GetProperty("propertyNames").GetProperty("anyOf")[0].GetProperty("enum")
            .EnumerateArray().Select(e => e.GetString()!).Where(n => n != "exclude").ToList();

        Assert.That(names, Does.Contain("quantization.weights.bits").And.Contain("evaluation.planner.samples").And.Contain("quantization.activations"));
        Assert.That(names, Does.Not.Contain("name").And.Not.Contain("extends"));
        Assert.That(names.Where(n => RecipeSchema.Builtin.Resolve(n).Type is null), Is.Empty);
    }

    [Test]
    public void Canonical_lines_start_at_column_zero_in_msbuild_form()
    {
        var problem = Diagnostic.At(new SourcePosition("/repo/pipelines/r.yaml", 12, 5), Severity.Warning, "WMQ1203", "m");
        Assert.Multiple(() =>
        {
            Assert.That(problem.ToCanonicalString("/repo"), Is.EqualTo("pipelines/r.yaml(12,5): warning WMQ1203: m"));
            Assert.That(problem.ToCanonicalString("/elsewhere"), Is.EqualTo("/repo/pipelines/r.yaml(12,5): warning WMQ1203: m"));
            Assert.That(Diagnostic.Error("WMQ2001", "bad\nvalue\0").ToCanonicalString(), Is.EqualTo("error WMQ2001: bad\\nvalue\\u0000"), "one line, control characters escaped");
            Assert.That(Diagnostic.FileError("WMQ3002", "/repo/m.safetensors", "gone", "run wmq train").ToCanonicalString("/repo"),
                Is.EqualTo("m.safetensors: error WMQ3002: gone; run wmq train"));
        });
    }

    [FsCheck.NUnit.Property(MaxTest = 300, Replay = Seeds.Replay)]
    public Property Bits_are_valid_exactly_when_2_to_8_or_16(int bits)
    {
        var problems = Validate($"quantization:\n  weights: {{ bits: {bits} }}\n");
        bool expectedValid = bits is >= 2 and <= 8 or 16;
        return (problems.Count == 0 == expectedValid).Label($"bits {bits}: {string.Join("; ", problems)}");
    }

    [FsCheck.NUnit.Property(MaxTest = 200, Replay = Seeds.Replay)]
    public Property Every_single_edit_of_a_key_is_suggested_back(NonNegativeInt pick, NonNegativeInt position, char replacement)
    {
        var keys = RecipeSchema.Builtin.Root.Fields.Select(f => f.Name).ToList();
        string key = keys[pick.Get % keys.Count];
        int at = position.Get % key.Length;
        string typo = key[..at] + replacement + key[(at + 1)..];
        string? suggestion = NameSuggester.Suggest(typo, keys);
        // Another key may be as close (e.g. 'seed' vs 'name' never, but be fair): accept any key at distance <= 1.
        return (typo == key || (suggestion is not null && NameSuggester.Distance(typo, suggestion) <= 1)).Label($"{key} -> {typo} -> {suggestion}");
    }

    [FsCheck.NUnit.Property(MaxTest = 200, Replay = Seeds.Replay)]
    public Property Levenshtein_is_a_metric(string a, string b, string c)
    {
        a ??= string.Empty;
        b ??= string.Empty;
        c ??= string.Empty;
        int ab = NameSuggester.Distance(a, b);
        return (NameSuggester.Distance(a, a) == 0
                && ab == NameSuggester.Distance(b, a)
                && ab <= Math.Max(a.Length, b.Length)
                && ab >= Math.Abs(a.Length - b.Length)
                && NameSuggester.Distance(a, c) <= ab + NameSuggester.Distance(b, c))
            .Label($"'{a}' '{b}' '{c}'");
    }

    [Test]
    public void Known_distances()
    {
        Assert.Multiple(() =>
        {
            Assert.That(NameSuggester.Distance("kitten", "sitting"), Is.EqualTo(3));
            Assert.That(NameSuggester.Distance("", "abc"), Is.EqualTo(3));
            Assert.That(NameSuggester.Suggest("quantisation", ["quantization", "evaluation"]), Is.EqualTo("quantization"));
            Assert.That(NameSuggester.Suggest("xyz", ["quantization", "evaluation"]), Is.Null);
            Assert.That(NameSuggester.Suggest("calib", ["calibration", "evaluation"]), Is.EqualTo("calibration"), "prefix");
        });
    }

    /// <summary>Validates YAML text (after a valid head) against the schema without touching the disk.</summary>
    private static List<Diagnostic> Validate(string tail)
    {
        var problems = new List<Diagnostic>();
        var tree = YamlTreeReader.Read(RecipeWorkspace.ValidHead + tail, "/virtual/r.yaml", problems);
        new SchemaValidator(problems).Validate(tree!, RecipeSchema.Builtin.Root, string.Empty);
        return problems;
    }
}
