using System.Text.RegularExpressions;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Recipes.Composition;
using WmQuant.Recipes.Yaml;
using WmQuant.Runtime;

namespace WmQuant.Recipes.Schema;

/// <summary>
/// Checks a YAML tree against a <see cref="SchemaType"/> and records every problem (types, ranges, allowed values,
/// unknown and missing keys) at the offending node. It never stops at the first problem.
/// </summary>
internal sealed partial class SchemaValidator(ICollection<Diagnostic> problems, bool checkRequired = true, RecipePathResolver? paths = null, bool checkFiles = true)
{
    /// <summary>Nodes holding a value the schema rejects, so cross-setting rules can run on what remains (see <see cref="TreePruner"/>).</summary>
    public HashSet<YamlTreeNode> InvalidNodes { get; } = [];

    private const string GlobExample = "'predictor.transformer.layers.*.0.to_qkv'";

    public void Validate(YamlTreeNode node, SchemaType type, string path)
    {
        switch (type)
        {
            case MapType map:
                ValidateMap(node, map, path);
                break;
            case DictionaryType dictionary:
                ValidateDictionary(node, dictionary, path);
                break;
            case ListType list:
                ValidateList(node, list, path);
                break;
            case NoneOrType noneOr:
                if (node is YamlTreeScalar { Value: "none" })
                {
                    break;
                }

                if (node is YamlTreeMapping)
                {
                    Validate(node, noneOr.Inner, path);
                    break;
                }

                Report(node, DiagnosticCodes.WrongType, $"{path} must be {noneOr.Expected}, got {ScalarParsing.Describe(node)}");
                break;
            case MatrixType:
                // The matrix section is checked (and removed) by the matrix expander before this runs.
                break;
            default:
                ValidateScalar(node, type, path);
                break;
        }
    }

    private void ValidateMap(YamlTreeNode node, MapType map, string path)
    {
        if (node is YamlTreeScalar { IsNull: true })
        {
            return; // "calibration:" with nothing under it: every default applies.
        }

        if (node is not YamlTreeMapping mapping)
        {
            Report(node, DiagnosticCodes.WrongType, $"{Label(path)} must be a mapping, got {ScalarParsing.Describe(node)}");
            return;
        }

        var names = map.Fields.Where(f => f.Type is not MatrixType || path.Length == 0).Select(f => f.Name).ToList();
        foreach (var entry in mapping.Entries)
        {
            var field = map.Field(entry.Key);
            if (field is null)
            {
                InvalidNodes.Add(entry.Value);
                problems.Add(Diagnostic.At(entry.KeyPosition, Severity.Error, DiagnosticCodes.UnknownKey,
                    WithAllowed($"unknown key '{BoundedText.Shorten(entry.Key)}' {Where(path)}", entry.Key, names, string.Join(", ", names))));
                continue;
            }

            Validate(entry.Value, field.Type, Join(path, entry.Key));
        }

        if (!checkRequired)
        {
            return;
        }

        foreach (var field in map.Fields)
        {
            if (field.Required && mapping.Find(field.Name) is null)
            {
                // Reported at the mapping, which is not itself invalid: do not mark it.
                problems.Add(Diagnostic.At(mapping.Position, Severity.Error, DiagnosticCodes.MissingKey,
                    $"missing required key '{field.Name}' {Where(path)}: {field.Description}"));
            }
        }
    }

    private void ValidateDictionary(YamlTreeNode node, DictionaryType dictionary, string path)
    {
        if (node is YamlTreeScalar { IsNull: true })
        {
            return;
        }

        if (node is not YamlTreeMapping mapping)
        {
            Report(node, DiagnosticCodes.WrongType, $"{path} must be a mapping, got {ScalarParsing.Describe(node)}");
            return;
        }

        foreach (var entry in mapping.Entries)
        {
            bool named = dictionary.NamedKeys.Contains(entry.Key);
            bool glob = !named && (entry.Key.Contains('.', StringComparison.Ordinal) || entry.Key.IndexOfAny(['*', '?']) >= 0);
            if (glob && (!GlobText().IsMatch(entry.Key) || entry.Key.Length > MaxGlobLength))
            {
                InvalidNodes.Add(entry.Value);
                problems.Add(Diagnostic.At(entry.KeyPosition, Severity.Error, DiagnosticCodes.BadFormat,
                    $"'{BoundedText.Shorten(entry.Key)}' in {path} is not a valid layer glob; use at most {MaxGlobLength} letters, digits, '_', '.', '*' and '?', as in {GlobExample}"));
                continue;
            }

            if (!named && !glob)
            {
                InvalidNodes.Add(entry.Value);
                problems.Add(Diagnostic.At(entry.KeyPosition, Severity.Error, DiagnosticCodes.UnknownModuleSelector,
                    WithAllowed($"unknown module group '{BoundedText.Shorten(entry.Key)}' in {path}", entry.Key, dictionary.NamedKeys,
                        $"{string.Join(", ", dictionary.NamedKeys)}, or {dictionary.KeyDescription}")));
                continue;
            }

            Validate(entry.Value, dictionary.Values, Join(path, entry.Key));
        }
    }

    private void ValidateList(YamlTreeNode node, ListType list, string path)
    {
        if (node is not YamlTreeSequence sequence)
        {
            Report(node, DiagnosticCodes.WrongType, $"{path} must be a list, got {ScalarParsing.Describe(node)}");
            return;
        }

        if (sequence.Items.Count < list.MinItems)
        {
            Report(node, DiagnosticCodes.BadList, $"{path} needs at least {list.MinItems} entr{(list.MinItems == 1 ? "y" : "ies")}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            Validate(item, list.Items, $"{path}[{i}]");
            if (list.UniqueItems && item is YamlTreeScalar scalar && !seen.Add(scalar.Value))
            {
                Report(item, DiagnosticCodes.BadList, $"{path} lists '{BoundedText.Shorten(scalar.Value)}' more than once");
            }
        }
    }

    private void ValidateScalar(YamlTreeNode node, SchemaType type, string path)
    {
        if (node is not YamlTreeScalar scalar || scalar.IsNull)
        {
            Report(node, DiagnosticCodes.WrongType, $"{path} must be {type.Expected}, got {ScalarParsing.Describe(node)}");
            return;
        }

        switch (type)
        {
            case IntegerType integer:
                bool parsed = ScalarParsing.TryInteger(scalar, out long whole);
                if (!parsed && !ScalarParsing.IsIntegerText(scalar))
                {
                    Report(node, DiagnosticCodes.WrongType, $"{path} must be an integer ({integer.AllowedText}), got {ScalarParsing.Describe(node)}");
                }
                else if (!parsed || !integer.Allows(whole))
                {
                    // Digits too many for any integer are out of range, not of the wrong type.
                    Report(node, DiagnosticCodes.OutOfRange, $"{path} is {BoundedText.Shorten(scalar.Value)}; allowed: {integer.AllowedText}");
                }

                break;
            case NumberType number:
                if (!ScalarParsing.TryNumber(scalar, out double real))
                {
                    Report(node, DiagnosticCodes.WrongType, $"{path} must be a number ({number.AllowedText}), got {ScalarParsing.Describe(node)}");
                }
                else if (!number.Allows(real))
                {
                    Report(node, DiagnosticCodes.OutOfRange, $"{path} is {BoundedText.Shorten(scalar.Value)}; allowed: {number.AllowedText}");
                }

                break;
            case BooleanType:
                if (!ScalarParsing.TryBoolean(scalar, out _))
                {
                    Report(node, DiagnosticCodes.WrongType, $"{path} must be true or false, got {ScalarParsing.Describe(node)}");
                }

                break;
            case ChoiceType choice:
                if (!choice.Values.Contains(scalar.Value))
                {
                    Report(node, DiagnosticCodes.NotAllowed,
                        WithAllowed($"{path} is '{BoundedText.Shorten(scalar.Value)}'", scalar.Value, choice.Values, string.Join(", ", choice.Values)));
                }

                break;
            case TextType text:
                ValidateText(scalar, text.Format, path);
                if (paths is not null && text.What is not null && scalar.Value.Trim().Length > 0
                    && (text.Format == TextFormat.Path || (text.Format == TextFormat.Baseline && scalar.Value != "fp")))
                {
                    // Checked here too, so a missing file is reported even when other settings are wrong.
                    paths.Resolve(scalar, text.What, checkFiles);
                }
                else if (paths is not null && text.What is not null && scalar.Value.Trim().Length > 0 && text.Format == TextFormat.Folder)
                {
                    paths.ResolveFolder(scalar, text.What, checkFiles);
                }

                break;
            default:
                throw new InvalidOperationException($"no scalar validation for {type.GetType().Name}");
        }
    }

    private void ValidateText(YamlTreeScalar scalar, TextFormat format, string path)
    {
        string value = scalar.Value;
        string shown = BoundedText.Shorten(value);
        switch (format)
        {
            case TextFormat.Name when !NameText().IsMatch(value):
                Report(scalar, DiagnosticCodes.BadFormat,
                    $"{path} is '{shown}'; a name uses letters, digits, '.', '_' and '-', and starts with a letter or digit");
                break;
            case TextFormat.Name when value.Length > RecipeSchema.MaxNameLength:
                Report(scalar, DiagnosticCodes.BadFormat, NameTooLong(path, shown, value.Length));
                break;
            case TextFormat.SemVer when value.Length > RecipeSchema.MaxNameLength || !SemVerText().IsMatch(value):
                Report(scalar, DiagnosticCodes.BadFormat,
                    $"{path} is '{shown}'; expected a SemVer version of at most {RecipeSchema.MaxNameLength} characters, such as 1.0.0 or 2.1.0-rc.1");
                break;
            case TextFormat.Device when DeviceRequest.TryParse(value, out _) is null:
                Report(scalar, DiagnosticCodes.BadFormat, $"{path} is '{shown}'; allowed: {DeviceRequest.AllowedValues}");
                break;
            case TextFormat.Path or TextFormat.Folder or TextFormat.Baseline when value.Trim().Length == 0:
                Report(scalar, DiagnosticCodes.BadFormat, $"{path} is empty; expected a path relative to the recipe");
                break;
        }
    }

    private void Report(YamlTreeNode node, string code, string message)
    {
        InvalidNodes.Add(node);
        problems.Add(Diagnostic.At(node.Position, Severity.Error, code, message));
    }

    /// <summary>"head; did you mean 'x'? allowed: ..." or "head; allowed: ...".</summary>
    internal static string WithAllowed(string head, string typed, IEnumerable<string> candidates, string allowed)
    {
        string hint = NameSuggester.Hint(typed, candidates);
        return hint.Length > 0 ? $"{head}{hint} allowed: {allowed}" : $"{head}; allowed: {allowed}";
    }

    /// <summary>The message for a name over <see cref="RecipeSchema.MaxNameLength"/> characters (also for names matrix values extend).</summary>
    internal static string NameTooLong(string path, string shown, int length) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{path} is '{shown}', {length} characters long; a name may have at most {RecipeSchema.MaxNameLength} (it names the artifact folder and package)");

    /// <summary>Longest layer glob: layer names of the full-size model are under 60 characters.</summary>
    private const int MaxGlobLength = 200;

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Label(string path) => path.Length == 0 ? "the recipe" : path;

    private static string Where(string path) => path.Length == 0 ? "in the recipe" : $"in {path}";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NameText();

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-((0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")]
    internal static partial Regex SemVerText();

    [GeneratedRegex(@"^[A-Za-z0-9_.*?\[\]-]+$")]
    private static partial Regex GlobText();
}
