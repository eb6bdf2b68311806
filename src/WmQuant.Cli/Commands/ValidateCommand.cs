using System.CommandLine;
using System.Globalization;
using WmQuant.Cli.Ci;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Recipes;
using WmQuant.Recipes.Schema;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq validate`: every problem of a recipe in MSBuild's canonical format (or JSON), and the recipe JSON Schema on request.</summary>
internal static class ValidateCommand
{
    /// <summary>The command line of a validation.</summary>
    private sealed record Options(string? Recipe, bool Json, string? Schema, RecipeLoadOptions Load);

    public static Command Create(CliServices services)
    {
        var recipe = new Argument<string?>("recipe")
        {
            Description = "The recipe to check (e.g. quantize.yaml). Optional with --schema.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (problems, input files and the resolved recipes) instead of text." };
        var schema = new Option<string?>("--schema") { Description = "Write the recipe JSON Schema (draft 2020-12) to this file ('-' for standard output)." };
        var repoRoot = new Option<string?>("--repo-root") { Description = "Folder recipe paths may not leave (default: the nearest ancestor with a .git entry)." };
        var skipFiles = new Option<bool>("--skip-file-checks") { Description = "Do not require the checkpoint, model config and baseline manifests to exist yet." };
        var command = new Command("validate", "Check a recipe: every problem with file(line,col), exit code 2 when invalid, 0 when valid.");
        command.Arguments.Add(recipe);
        command.Options.Add(json);
        command.Options.Add(schema);
        command.Options.Add(repoRoot);
        command.Options.Add(skipFiles);
        command.SetAction(parse => Handle(parse, services, new Options(
            parse.GetValue(recipe),
            parse.GetValue(json),
            parse.GetValue(schema),
            new RecipeLoadOptions { RepositoryRoot = parse.GetValue(repoRoot), CheckFiles = !parse.GetValue(skipFiles), Methods = services.Methods })));
        return command;
    }

    private static int Handle(ParseResult parse, CliServices services, Options options)
    {
        if (options.Schema is not null)
        {
            int written = WriteSchema(parse, RecipeSchema.For(services.Methods), options.Schema);
            if (written != ExitCodes.Passed || options.Recipe is null)
            {
                return written;
            }
        }

        if (options.Recipe is null)
        {
            OptionErrors.Report(parse.Error(), ["give a recipe file, or --schema FILE to write the JSON Schema"]);
            return ExitCodes.InvalidInput;
        }

        var result = RecipeLoader.Load(options.Recipe, options.Load);
        string cwd = Directory.GetCurrentDirectory();
        if (options.Json)
        {
            parse.Out().WriteLine(WmqJson.Write(new ValidationResult
            {
                File = Path.GetFullPath(options.Recipe),
                Valid = result.IsValid,
                Errors = result.Problems.Count(p => p.IsError),
                Warnings = result.Problems.Count(p => !p.IsError),
                Diagnostics = [.. result.Problems.Select(p => p.ToRecord(cwd))],
                SourceFiles = result.SourceFiles,
                InputFiles = InputFiles(options.Recipe, result),
                Recipes = [.. result.Recipes.Select(r => RecipeWriter.ToJson(r))],
            }));
        }
        else
        {
            parse.Out().Report(result.Problems);
            string display = SourcePosition.DisplayPath(Path.GetFullPath(options.Recipe), cwd);
            parse.Out().WriteLine(result.IsValid
                ? string.Create(CultureInfo.InvariantCulture, $"{display}: valid, {result.Recipes.Count} recipe(s): {string.Join(", ", result.Recipes.Select(r => r.Name))}")
                : string.Create(CultureInfo.InvariantCulture, $"{display}: invalid, {result.Problems.Count(p => p.IsError)} error(s)"));
        }

        if (GitHubAnnotations.Enabled(Environment.GetEnvironmentVariable))
        {
            foreach (string line in GitHubAnnotations.ForRun([], result.Problems, cwd))
            {
                (options.Json ? parse.Error() : parse.Out()).WriteLine(line);
            }
        }

        return result.IsValid ? ExitCodes.Passed : ExitCodes.InvalidInput;
    }

    /// <summary>Every file the recipes' results depend on: the recipe and its bases, checkpoints, configs, normalization statistics, baseline manifests.</summary>
    private static List<string> InputFiles(string recipe, RecipeLoadResult result)
    {
        var files = new List<string>();
        void Add(string? path)
        {
            if (!string.IsNullOrWhiteSpace(path) && !files.Contains(Path.GetFullPath(path), StringComparer.Ordinal))
            {
                files.Add(Path.GetFullPath(path));
            }
        }

        Add(recipe);
        result.SourceFiles.ToList().ForEach(Add);
        foreach (var resolved in result.Recipes)
        {
            if (resolved.Model.Checkpoint is { } checkpoint)
            {
                Add(checkpoint);
                string config = resolved.Model.Config ?? Models.Checkpoints.WorldModelCheckpoint.ConfigPathFor(checkpoint);
                Add(File.Exists(config) ? config : null);
                string normalization = Path.Combine(Path.GetDirectoryName(checkpoint)!, Models.Checkpoints.NormalizationRecord.FileName);
                Add(File.Exists(normalization) ? normalization : null);
            }

            if (resolved.Model.Artifact is { } artifact)
            {
                // The model files and what describes them: a changed artifact reruns the build.
                var (modelFiles, _) = Quantization.Packing.QuantizedModelArtifact.ModelFiles(artifact);
                foreach (string file in modelFiles.Append(Pipeline.Artifacts.ArtifactManifest.FileName).Append("recipe.resolved.json"))
                {
                    string path = Path.Combine(artifact, file);
                    Add(File.Exists(path) ? path : null);
                }
            }
            foreach (var gate in resolved.Gates)
            {
                Add(gate.BaselineManifest);
            }
        }

        return files;
    }

    private static int WriteSchema(ParseResult parse, RecipeSchema schema, string path)
    {
        string text = RecipeJsonSchema.Generate(schema);
        if (path == "-")
        {
            parse.Out().Write(text);
            return ExitCodes.Passed;
        }

        try
        {
            File.WriteAllText(path, text);
            return ExitCodes.Passed;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            parse.Error().WriteLine(Diagnostic.FileError(DiagnosticCodes.OutputUnwritable, path, $"cannot write the schema: {ex.Message}").ToCanonicalString());
            return ExitCodes.EnvironmentFailure;
        }
    }
}
