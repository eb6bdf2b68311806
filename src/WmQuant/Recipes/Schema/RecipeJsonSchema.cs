using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WmQuant.Recipes.Schema;

/// <summary>
/// Writes <see cref="RecipeSchema"/> as a JSON Schema (draft 2020-12) so editors (the YAML language server) complete
/// and check recipes with the same rules <c>wmq validate</c> applies.
/// </summary>
public static class RecipeJsonSchema
{
    /// <summary>The dialect written.</summary>
    public const string Dialect = "https://json-schema.org/draft/2020-12/schema";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The schema of the built-in methods as indented JSON text ending in a newline; byte-stable so the committed copy can be checked.</summary>
    public static string Generate() => Generate(RecipeSchema.Builtin);

    /// <summary>The schema of <paramref name="recipeSchema"/> (e.g. with more methods registered) as indented JSON text.</summary>
    public static string Generate(RecipeSchema recipeSchema)
    {
        ArgumentNullException.ThrowIfNull(recipeSchema);
        var schema = new JsonObject
        {
            ["$schema"] = Dialect,
            ["$id"] = "https://wmquant.local/schemas/recipe.schema.json",
            ["title"] = "WmQuantPipeline recipe",
            ["description"] = "Calibrate, quantize, evaluate and gate a DINO-WM world model. Keys may come from a base recipe (extends), so no top-level key is required here; wmq validate checks the merged recipe.",
        };
        foreach (var (key, value) in new Writer(recipeSchema.Root).Describe(recipeSchema.Root, inList: false))
        {
            schema[key] = value?.DeepClone();
        }

        return schema.ToJsonString(Indented).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>Turns one schema tree into JSON Schema nodes; the root is needed for the matrix keys.</summary>
    private sealed class Writer(MapType root)
    {
        public JsonObject Describe(SchemaType type, bool inList) => type switch
        {
            IntegerType integer => Integer(integer),
            NumberType number => Number(number),
            BooleanType => new JsonObject { ["type"] = "boolean" },
            ChoiceType choice => new JsonObject { ["type"] = "string", ["enum"] = Array(choice.Values) },
            TextType text => Text(text),
            MapType map => Map(map, inList),
            DictionaryType dictionary => Dictionary(dictionary),
            ListType list => List(list),
            NoneOrType noneOr => new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["const"] = "none" }, Describe(noneOr.Inner, inList)) },
            MatrixType => Matrix(),
            _ => throw new InvalidOperationException($"no JSON Schema form for {type.GetType().Name}"),
        };

        private static JsonObject Integer(IntegerType integer)
        {
            var range = new JsonObject { ["type"] = "integer" };
            if (integer.Min != long.MinValue)
            {
                range["minimum"] = integer.Min;
            }

            if (integer.Max != long.MaxValue)
            {
                range["maximum"] = integer.Max;
            }

            if (integer.AlsoAllowed is null || integer.AlsoAllowed.Count == 0)
            {
                return range;
            }

            var anyOf = new JsonArray(range);
            foreach (long value in integer.AlsoAllowed)
            {
                anyOf.Add(new JsonObject { ["const"] = value });
            }

            return new JsonObject { ["anyOf"] = anyOf };
        }

        private static JsonObject Number(NumberType number)
        {
            var node = new JsonObject { ["type"] = "number" };
            if (number.Min is { } min)
            {
                node[number.MinExclusive ? "exclusiveMinimum" : "minimum"] = min;
            }

            if (number.Max is { } max)
            {
                node[number.MaxExclusive ? "exclusiveMaximum" : "maximum"] = max;
            }

            return node;
        }

        private static JsonObject Text(TextType text)
        {
            var node = new JsonObject { ["type"] = "string" };
            switch (text.Format)
            {
                case TextFormat.Name:
                    node["pattern"] = "^[A-Za-z0-9][A-Za-z0-9._-]*$";
                    node["maxLength"] = RecipeSchema.MaxNameLength;
                    break;
                case TextFormat.SemVer:
                    node["pattern"] = SchemaValidator.SemVerText().ToString();
                    node["maxLength"] = RecipeSchema.MaxNameLength;
                    break;
                case TextFormat.Device:
                    node["pattern"] = "^(auto|cpu|cuda|cuda:[0-9]+)$";
                    break;
                case TextFormat.Path or TextFormat.Folder or TextFormat.Baseline:
                    node["minLength"] = 1;
                    break;
            }

            return node;
        }

        private JsonObject Map(MapType map, bool inList)
        {
            var properties = new JsonObject();
            foreach (var field in map.Fields)
            {
                var property = Describe(field.Type, inList);
                property["description"] = field.Description;
                if (field.Default is { } value)
                {
                    property["default"] = DefaultValue(value);
                }

                properties[field.Name] = property;
            }

            var node = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };

            // Mappings merge across extends, so a file may leave required keys to its base; list entries are replaced whole.
            var required = map.Fields.Where(f => f.Required).Select(f => f.Name).ToList();
            if (inList && required.Count > 0)
            {
                node["required"] = Array(required);
            }

            return node;
        }

        private JsonObject Dictionary(DictionaryType dictionary)
        {
            var values = Describe(dictionary.Values, inList: false);
            var named = new JsonObject();
            foreach (string key in dictionary.NamedKeys)
            {
                named[key] = values.DeepClone();
            }

            return new JsonObject
            {
                ["type"] = "object",
                ["properties"] = named,
                ["propertyNames"] = new JsonObject
                {
                    ["anyOf"] = new JsonArray(
                        new JsonObject { ["enum"] = Array(dictionary.NamedKeys) },
                        new JsonObject { ["pattern"] = "^[A-Za-z0-9_.*?\\[\\]-]*[.*?][A-Za-z0-9_.*?\\[\\]-]*$" }),
                },
                ["additionalProperties"] = values,
            };
        }

        private JsonObject List(ListType list)
        {
            var node = new JsonObject { ["type"] = "array", ["items"] = Describe(list.Items, inList: true) };
            if (list.MinItems > 0)
            {
                node["minItems"] = list.MinItems;
            }

            if (list.UniqueItems)
            {
                node["uniqueItems"] = true;
            }

            return node;
        }

        private JsonObject Matrix()
        {
            var paths = SettingPaths(root, string.Empty, isRoot: true).ToList();
            return new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    [MatrixType.ExcludeKey] = new JsonObject
                    {
                        ["description"] = "Combinations to leave out: each entry maps matrix keys to one of their values.",
                        ["type"] = "array",
                        ["items"] = new JsonObject { ["type"] = "object", ["minProperties"] = 1 },
                    },
                },
                ["propertyNames"] = new JsonObject
                {
                    ["anyOf"] = new JsonArray(
                        new JsonObject { ["enum"] = Array([MatrixType.ExcludeKey, .. paths]) },
                        new JsonObject { ["pattern"] = "^quantization\\.modules\\." }),
                },
                ["additionalProperties"] = new JsonObject { ["type"] = "array", ["minItems"] = 1 },
            };
        }

        /// <summary>Every dotted path a matrix can set (module overrides, keyed by the user, excepted).</summary>
        internal static IEnumerable<string> SettingPaths(SchemaType type, string prefix, bool isRoot)
        {
            switch (type)
            {
                case MapType map:
                    foreach (var field in map.Fields)
                    {
                        if (isRoot && (field.Type is MatrixType || field == RecipeSchema.Extends || field == RecipeSchema.Name))
                        {
                            continue;
                        }

                        string path = prefix.Length == 0 ? field.Name : $"{prefix}.{field.Name}";
                        if (field.Type is MapType or NoneOrType)
                        {
                            if (field.Type is NoneOrType)
                            {
                                yield return path;
                            }

                            foreach (string inner in SettingPaths(field.Type, path, isRoot: false))
                            {
                                yield return inner;
                            }
                        }
                        else if (field.Type is not DictionaryType)
                        {
                            yield return path;
                        }
                    }

                    break;
                case NoneOrType noneOr:
                    foreach (string inner in SettingPaths(noneOr.Inner, prefix, isRoot: false))
                    {
                        yield return inner;
                    }

                    break;
            }
        }

        private static JsonNode? DefaultValue(object value) => value switch
        {
            string[] words => Array(words),
            string text => text,
            long whole => whole,
            double real => real,
            bool flag => flag,
            _ => throw new InvalidOperationException($"no JSON form for default {value.GetType().Name}"),
        };

        private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
    }
}
