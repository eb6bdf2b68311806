using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using WmQuant.Cli.Hosting;
using WmQuant.Recipes;
using WmQuant.Recipes.Schema;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq validate`: every problem of a recipe in MSBuild's canonical format (or JSON), and the recipe JSON Schema on request.</summary>
internal static class ValidateCommand
{
    private static readonly JsonSerializerOptions JsonOutput = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static Command Create()
    {
        var recipe = new Argument<string?>("recipe")
        {
            Description = "The recipe to check (e.g. quantize.yaml). Optional with --schema.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (problems and the resolved recipes) instead of text." };
        var schema = new Option<string?>("--schema") { Description = "Write the recipe JSON Schema (draft 2020-12) to this file ('-' for standard output)." };
        var repoRoot = new Option<string?>("--repo-root") { Description = "Folder recipe paths may not leave (default: the nearest ancestor with a .git entry)." };
        var skipFiles = new Option<bool>("--skip-file-checks") { Description = "Do not require the checkpoint, model config and baseline manifests to exist yet." };
        var command = new Command("validate", "Check a recipe: every problem with file(line,col), exit code 2 when invalid, 0 when valid.");
        command.Arguments.Add(recipe);
        command.Options.Add(json);
        command.Options.Add(schema);
        command.Options.Add(repoRoot);
        command.Options.Add(skipFiles);
        command.SetAction(parse => Run(
            parse.GetValue(recipe),
            parse.GetValue(json),
            parse.GetValue(schema),
            new RecipeLoadOptions { RepositoryRoot = parse.GetValue(repoRoot), CheckFiles = !parse.GetValue(skipFiles) }));
        return command;
    }

    private static int Run(string? recipePath, bool asJson, string? schemaPath, RecipeLoadOptions options)
    {
        if (schemaPath is not null)
        {
            int written = WriteSchema(schemaPath);
            if (written != ExitCodes.Ok || recipePath is null)
            {
                return written;
            }
        }

        if (recipePath is null)
        {
            System.Console.Error.WriteLine("wmq validate: give a recipe file, or --schema FILE to write the JSON Schema.");
            return ExitCodes.InvalidInput;
        }

        var result = RecipeLoader.Load(recipePath, options);
        string cwd = Directory.GetCurrentDirectory();
        if (asJson)
        {
            System.Console.WriteLine(JsonSerializer.Serialize(new
            {
                File = Path.GetFullPath(recipePath),
                Valid = result.IsValid,
                Errors = result.Problems.Count(p => p.Severity == ProblemSeverity.Error),
                Warnings = result.Problems.Count(p => p.Severity == ProblemSeverity.Warning),
                result.Problems,
                result.SourceFiles,
                result.Recipes,
            }, JsonOutput));
        }
        else
        {
            foreach (var problem in result.Problems)
            {
                System.Console.WriteLine(problem.ToCanonicalString(cwd));
            }

            string display = SourcePosition.DisplayPath(Path.GetFullPath(recipePath), cwd);
            System.Console.WriteLine(result.IsValid
                ? string.Create(CultureInfo.InvariantCulture, $"{display}: valid, {result.Recipes.Count} recipe(s): {string.Join(", ", result.Recipes.Select(r => r.Name))}")
                : string.Create(CultureInfo.InvariantCulture, $"{display}: invalid, {result.Problems.Count(p => p.Severity == ProblemSeverity.Error)} error(s)"));
        }

        return result.IsValid ? ExitCodes.Ok : ExitCodes.InvalidInput;
    }

    private static int WriteSchema(string path)
    {
        string text = RecipeJsonSchema.Generate();
        if (path == "-")
        {
            System.Console.Write(text);
            return ExitCodes.Ok;
        }

        try
        {
            File.WriteAllText(path, text);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            System.Console.Error.WriteLine($"wmq validate: cannot write the schema to '{path}': {ex.Message}");
            return ExitCodes.InvalidInput;
        }
    }
}
