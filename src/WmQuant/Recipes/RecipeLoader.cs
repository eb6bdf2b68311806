using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
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
    /// <summary>Problems collected before later matrix combinations are no longer checked (they repeat the earlier ones).</summary>
    private const int MaxProblems = 1_000;

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
        if (options.RepositoryRoot is { } givenRoot && RootProblem(givenRoot) is { } rootProblem)
        {
            problems.Add(rootProblem);
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
        bool longNameReported = false;
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
                var layers = local.Count == 0 && options.CheckFiles && ConfigBesideUsable(recipe, boundary, source, local) && !recipe.Model.IsArtifact
                    ? options.ModelLayers?.Invoke(recipe.Model)
                    : null;
                new RecipeConsistencyChecks(source, removed, local, options.Methods).Check(recipe, layers);
                if (recipe.Model.IsArtifact && options.CheckFiles && !local.Any(p => p.IsError))
                {
                    // An existing artifact brings its own quantization: checked against its folder and checkpoint, then bound.
                    recipe = new ModelArtifactChecks(source, boundary, local, options).Apply(recipe);
                }

                if (!longNameReported && combination.Assignments.Count > 0)
                {
                    longNameReported = CheckDerivedNames(recipe, source, local);
                }

                if (names.TryGetValue(recipe.Name, out var first))
                {
                    local.Add(Diagnostic.At(source.Of("name"), Severity.Error, DiagnosticCodes.DuplicateRecipeName,
                        $"two matrix combinations are both named '{recipe.Name}' (first at {first.Format(boundary.Root)}); make the values distinct"));
                }

                names.TryAdd(recipe.Name, source.Of("name"));
                recipes.Add(recipe);
            }

            problems.AddRange(local);
            if (problems.Count > MaxProblems)
            {
                // Combinations of one recipe repeat the same problems; past this many, more add nothing but time and memory.
                break;
            }
        }

        return Finish(problems, recipes) with { SourceFiles = composer.Files };
    }

    /// <summary>
    /// A model config the recipe does not name is read from beside the checkpoint: it falls under the same path policy
    /// (a link beside the checkpoint that leads out of the repository is an escape) before validation reads it.
    /// </summary>
    private static bool ConfigBesideUsable(Recipe recipe, RepositoryBoundary boundary, SourceMap source, List<Diagnostic> problems)
    {
        if (recipe.Model.Config is not null || recipe.Model.Checkpoint is not { Length: > 0 } checkpoint)
        {
            return true;
        }

        string beside = Models.Checkpoints.WorldModelCheckpoint.ConfigPathFor(checkpoint);
        var at = source.Of("model.checkpoint");
        string written = Path.GetRelativePath(Path.GetDirectoryName(at.File) ?? boundary.Root, beside);
        var problem = BoundedText.Check(beside, InputLimits.ModelConfig.Named("model config beside the checkpoint"), boundary, at, written, mustExist: false);
        if (problem is not null)
        {
            problems.Add(problem);
        }

        return problem is null;
    }

    /// <summary>The repository root a command names must resolve to a folder: the boundary every recipe path is checked against.</summary>
    private static Diagnostic? RootProblem(string root)
    {
        var resolved = PathPolicy.Resolve(root);
        if (resolved.Real is not { } real)
        {
            return Diagnostic.Error(DiagnosticCodes.UnresolvablePath, $"--repo-root '{BoundedText.Shorten(root)}' cannot be used: {resolved.Problem}");
        }

        var kind = PathPolicy.KindOf(real);
        return kind == FileKind.Directory ? null : Diagnostic.Error(kind == FileKind.Missing ? DiagnosticCodes.PathNotFound : DiagnosticCodes.NotRegularFile,
            $"--repo-root '{BoundedText.Shorten(root)}' is {(kind == FileKind.Missing ? "missing" : PathPolicy.Describe(kind))}; it must name the repository's folder");
    }

    /// <summary>
    /// Names with matrix values appended are checked against the length limit here, at validate, instead of failing at
    /// the artifact write after every stage ran; reported once, for the first combination that breaks it.
    /// </summary>
    private static bool CheckDerivedNames(Recipe recipe, SourceMap source, List<Diagnostic> problems)
    {
        bool reported = false;
        foreach (var (path, name) in new[] { ("name", recipe.Name), ("artifact.name", recipe.Artifact.Name) })
        {
            if (name.Length > RecipeSchema.MaxNameLength && (path == "name" || source.Has(path)))
            {
                problems.Add(Diagnostic.At(source.Of(path), Severity.Error, DiagnosticCodes.BadFormat,
                    SchemaValidator.NameTooLong($"{path} with the matrix values appended", BoundedText.Shorten(name), name.Length)));
                reported = true;
            }
        }

        return reported;
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
