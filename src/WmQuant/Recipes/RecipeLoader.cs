using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Recipes.Binding;
using WmQuant.Recipes.Checks;
using WmQuant.Recipes.Composition;
using WmQuant.Recipes.Schema;

namespace WmQuant.Recipes;

/// <summary>The outcome of loading a recipe: every problem found, and the recipes when there is no error.</summary>
/// <param name="Problems">Errors and warnings, sorted by file, line and column.</param>
/// <param name="Recipes">One recipe, or one per matrix combination; empty when any error was found.</param>
public sealed record RecipeLoadResult(IReadOnlyList<Diagnostic> Problems, IReadOnlyList<Recipe> Recipes)
{
    /// <summary>Every recipe file that was read (the recipe, then its bases), so builds can rerun when any of them changes.</summary>
    public IReadOnlyList<string> SourceFiles { get; init; } = [];

    /// <summary>True when no problem is an error (warnings allowed).</summary>
    public bool IsValid => Problems.All(p => !p.IsError);
}

/// <summary>
/// Loads a recipe file: reads YAML with positions, follows <c>extends:</c>, expands <c>matrix:</c>, validates against
/// <see cref="RecipeSchema"/> and cross-setting rules, and binds typed records. User mistakes come back as problems,
/// all of them at once; nothing is written anywhere.
/// </summary>
public static class RecipeLoader
{
    /// <summary>Loads and validates a recipe.</summary>
    public static RecipeLoadResult Load(string path, RecipeLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new RecipeLoadOptions();
        string file = Path.GetFullPath(path);
        var boundary = options.RepositoryRoot is { } root
            ? new RepositoryBoundary(root)
            : RepositoryBoundary.Find(Path.GetDirectoryName(file) ?? Directory.GetCurrentDirectory());

        var problems = new List<Diagnostic>();
        if (!File.Exists(file))
        {
            problems.Add(Diagnostic.At(new SourcePosition(file, 1, 1), Severity.Error, DiagnosticCodes.FileUnreadable, $"recipe '{path}' not found (resolved to {file})"));
            return new RecipeLoadResult(problems, []);
        }

        var composer = new RecipeComposer(boundary, problems);
        var composition = composer.Compose(file);
        if (composition.Root is null)
        {
            return Finish(problems, []) with { SourceFiles = composer.Files };
        }

        var schema = RecipeSchema.For(options.Methods);
        var combinations = new MatrixExpander(schema, problems, options.MaxMatrixCombinations).Expand(composition.Root);
        var recipes = new List<Recipe>();
        var names = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach (var combination in combinations)
        {
            var local = new List<Diagnostic>();
            var validator = new SchemaValidator(local, composition.Complete, new RecipePathResolver(boundary, local), options.CheckFiles);
            validator.Validate(combination.Tree, schema.Root, string.Empty);

            // Cross-setting rules still run when some values are invalid: on the recipe without them, defaults in their place.
            var removed = new List<string>();
            var tree = TreePruner.Prune(combination.Tree, validator.InvalidNodes, removed);
            var recheck = new List<Diagnostic>();
            new SchemaValidator(recheck, checkRequired: true).Validate(tree, schema.Root, string.Empty);
            if (recheck.Count == 0 && composition.Complete)
            {
                // The validator already reported every path problem; the binder's own reports would only repeat them.
                var binder = new RecipeBinder(schema, new RecipePathResolver(boundary, new List<Diagnostic>()), options, file);
                var recipe = binder.Bind(combination with { Tree = tree });
                var source = new SourceMap(tree);
                // Layers come from the model config, so only when every file resolved (no shapes without the model files).
                var layers = local.Count == 0 && options.CheckFiles ? options.ModelLayers?.Invoke(recipe.Model) : null;
                new RecipeConsistencyChecks(source, removed, local, options.Methods).Check(recipe, layers);
                if (names.TryGetValue(recipe.Name, out var first))
                {
                    local.Add(Diagnostic.At(source.Of("name"), Severity.Error, DiagnosticCodes.DuplicateRecipeName,
                        $"two matrix combinations are both named '{recipe.Name}' (first at {first.Format(boundary.Root)}); make the values distinct"));
                }

                names.TryAdd(recipe.Name, source.Of("name"));
                recipes.Add(recipe);
            }

            problems.AddRange(local);
        }

        return Finish(problems, recipes) with { SourceFiles = composer.Files };
    }

    private static RecipeLoadResult Finish(List<Diagnostic> problems, List<Recipe> recipes)
    {
        var unique = problems.Distinct()
            .Select((p, i) => (Problem: p, Index: i))
            .OrderBy(x => x.Problem.Position?.File ?? "", StringComparer.Ordinal)
            .ThenBy(x => x.Problem.Position?.Line ?? 0)
            .ThenBy(x => x.Problem.Position?.Column ?? 0)
            .ThenBy(x => x.Index)
            .Select(x => x.Problem)
            .ToList();
        bool valid = unique.All(p => !p.IsError);
        return new RecipeLoadResult(unique, valid ? recipes : []);
    }
}
