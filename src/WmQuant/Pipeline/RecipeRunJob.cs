using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Pipeline.Caching;
using WmQuant.Recipes;
using WmQuant.Runtime;

namespace WmQuant.Pipeline;

/// <summary>What <c>wmq run</c> (sweep, quantize) asks for: a recipe file and how to run it.</summary>
/// <param name="RecipePath">The recipe file.</param>
/// <param name="Load">How the recipe is loaded (repository root, registries).</param>
/// <param name="OutputDirectory">Artifact folder root; null: artifacts/ in the repository root.</param>
/// <param name="CacheDirectory">Stage cache; null: none (recompute everything); empty: .wmq/cache in the repository root.</param>
/// <param name="SkipEvaluation">Quantize and pack only.</param>
/// <param name="SkipGates">Record verdicts without failing.</param>
/// <param name="Runtime">Threads, libtorch folder and (when <paramref name="DeviceOverride"/> is set) the device.</param>
/// <param name="DeviceOverride">Run every recipe on this device instead of the recipe's own.</param>
/// <param name="ArtifactVersion">SemVer for the artifacts instead of the recipes' artifact.version.</param>
/// <param name="ToolVersion">Tool version recorded in manifests and cache keys.</param>
/// <param name="DisplayDirectory">Folder printed paths are relative to (the working directory).</param>
public sealed record RecipeRunRequest(
    string RecipePath,
    RecipeLoadOptions Load,
    string? OutputDirectory,
    string? CacheDirectory,
    bool SkipEvaluation,
    bool SkipGates,
    TorchRuntimeOptions Runtime,
    string? DeviceOverride,
    string? ArtifactVersion,
    string ToolVersion,
    string DisplayDirectory);

/// <summary>One recipe of a run and how it ended.</summary>
/// <param name="Recipe">The resolved recipe.</param>
/// <param name="Result">Its outcome.</param>
public sealed record RecipeRunEntry(Recipe Recipe, PipelineResult Result);

/// <summary>How a run ended: its status, problems that stopped it, every recipe that ran, and where things went.</summary>
/// <param name="Status">The worst status (see <see cref="RunStatuses.Worst"/>).</param>
/// <param name="Diagnostics">Problems of the run itself (recipe errors and warnings, device, I/O), before or between recipes.</param>
/// <param name="Entries">The recipes that finished, in order.</param>
/// <param name="RepositoryRoot">The repository root the run used.</param>
/// <param name="OutputDirectory">Where artifacts were written.</param>
public sealed record RecipeRunOutcome(RunStatus Status, IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<RecipeRunEntry> Entries, string RepositoryRoot, string OutputDirectory);

/// <summary>What a front end sees of a run as it happens.</summary>
public interface IRecipeRunListener
{
    /// <summary>The recipe was loaded: its problems (warnings, or the errors that stop the run).</summary>
    void Loaded(IReadOnlyList<Diagnostic> problems);

    /// <summary>The recipes are valid and the runtime for the next group of them is ready.</summary>
    void RuntimeReady(TorchRuntimeInfo runtime, IReadOnlyList<Recipe> recipes);

    /// <summary>Runs one recipe, showing its progress as the front end likes.</summary>
    PipelineResult Run(Recipe recipe, Func<IProgress<PipelineProgress>?, PipelineResult> run);
}

/// <summary>
/// The use-case behind <c>wmq run</c>: load and validate a recipe (every matrix combination), initialise the Torch
/// runtime once per device the recipes ask for (a matrix over <c>device</c> runs each combination on its own), run
/// each through <see cref="PipelineRunner"/>, and say how it ended. Problems come back as values; nothing throws for
/// input a user can fix.
/// </summary>
public static class RecipeRunJob
{
    /// <summary>Runs the request.</summary>
    public static RecipeRunOutcome Run(RecipeRunRequest request, IRecipeRunListener listener, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(listener);
        var loaded = RecipeLoader.Load(request.RecipePath, request.Load);
        // A search: section belongs to `wmq tune`; run quantizes its starting point only, which the user should know.
        var searchIgnored = loaded.Recipes.Where(x => x.Search is not null)
            .Select(x => Diagnostic.Warning(DiagnosticCodes.IneffectiveSetting,
                "search has no effect under wmq run, which quantizes the recipe's starting point only; `wmq tune` runs the search",
                x.Search!.Position ?? SourcePosition.InFile(x.SourceFile)))
            .DistinctBy(d => d.ToString());
        IReadOnlyList<Diagnostic> problems = [.. loaded.Problems, .. searchIgnored];
        var diagnostics = new List<Diagnostic>(problems);
        listener.Loaded(problems);
        string root = RootOf(request.Load, request.RecipePath);
        string output = request.OutputDirectory ?? Path.Combine(root, "artifacts");
        RecipeRunOutcome Stop(RunStatus status, IReadOnlyList<RecipeRunEntry> entries) => new(status, diagnostics, entries, root, output);
        if (!loaded.IsValid)
        {
            return Stop(RunStatus.InvalidInput, []);
        }

        // The output and cache folders are the operator's to place (they may lie outside the repository), but they go
        // through the same resolution: a NUL, a link loop or an existing file where a folder belongs stops the run
        // before anything is computed or written.
        diagnostics.AddRange(FolderProblems(output, "--out (the artifact folder)"));
        if (request.CacheDirectory is { Length: > 0 } cacheFolder)
        {
            diagnostics.AddRange(FolderProblems(cacheFolder, "--cache (the stage cache folder)"));
        }

        if (diagnostics.Any(d => d.IsError))
        {
            return Stop(RunStatus.InvalidInput, []);
        }

        // Every model is checked before a runtime starts or anything is written: files, config, normalization
        // statistics and NaN or infinite weights (a model that cannot load stops the run here, with nothing behind); an
        // artifact to re-evaluate, against its manifest, file by file.
        var boundary = new RepositoryBoundary(root);
        foreach (var model in loaded.Recipes.Select(x => x.Model).Distinct())
        {
            if (model.Checkpoint is { } checkpoint)
            {
                diagnostics.AddRange(Models.Checkpoints.ModelBundle.Check(checkpoint, model.Config, boundary));
            }

            if (model.Artifact is { } artifact)
            {
                diagnostics.AddRange(Inputs.ArtifactModelInput.Open(artifact, boundary, requireManifest: true).Problems);
            }
        }

        if (diagnostics.Any(d => d.IsError))
        {
            return Stop(RunStatus.InvalidInput, []);
        }

        var recipes = loaded.Recipes;
        if (request.ArtifactVersion is { } version)
        {
            if (!NuGet.Versioning.SemanticVersion.TryParse(version, out _))
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ArtifactVersion,
                    $"--artifact-version '{version}' is not a SemVer version (e.g. 1.2.0 or 1.2.0-rc.1)"));
                return Stop(RunStatus.InvalidInput, []);
            }

            recipes = [.. recipes.Select(x => x with { Artifact = x.Artifact with { Version = version } })];
        }

        var options = new PipelineOptions
        {
            OutputDirectory = output,
            RepositoryRoot = root,
            DisplayDirectory = request.DisplayDirectory,
            SkipEvaluation = request.SkipEvaluation,
            SkipGates = request.SkipGates,
        };
        var cache = CacheOf(request.CacheDirectory, root);
        var runner = new PipelineRunner(options);
        var entries = new List<RecipeRunEntry>();
        foreach (var group in ByDevice(recipes, request.DeviceOverride))
        {
            var (runtime, unusable) = EnvironmentFailures.Initialize(
                request.Runtime with { Device = group.Key, Seed = group.First().Seed }, SourcePosition.InFile(group.First().SourceFile));
            if (runtime is null)
            {
                diagnostics.Add(unusable!);
                return Stop(RunStatus.EnvironmentFailure, entries);
            }

            listener.RuntimeReady(runtime, [.. group]);
            var context = new RunContext(runtime, cache, request.ToolVersion);
            foreach (var recipe in group)
            {
                try
                {
                    // The output folder is made by the artifact writer when there is an artifact to write: a run that
                    // stops earlier (a model that does not load, a method that refuses) leaves no empty folder behind.
                    var result = listener.Run(recipe, progress => runner.Run(recipe, context, loaded.SourceFiles, progress, cancellationToken));
                    entries.Add(new RecipeRunEntry(recipe, result));
                }
                catch (Exception e) when (EnvironmentFailures.Diagnose(e, SourcePosition.InFile(recipe.SourceFile), recipe.Name,
                    "cancelled; finished stages stay cached, rerun the same command to resume") is { } failure)
                {
                    diagnostics.Add(failure);
                    return Stop(RunStatus.EnvironmentFailure, entries);
                }
            }
        }

        return Stop(RunStatuses.Worst(entries.Select(e => e.Result.Status)), entries);
    }

    /// <summary>The repository a recipe runs in: <c>--repo-root</c> when given, else the nearest ancestor of the recipe with a .git entry.</summary>
    internal static string RootOf(RecipeLoadOptions load, string recipePath) => load.RepositoryRoot is { } r
        ? Path.GetFullPath(r)
        : RepositoryBoundary.Find(Path.GetDirectoryName(Path.GetFullPath(recipePath))!).Root;

    /// <summary>The stage cache a request names: none for null (<c>--no-cache</c>), <c>.wmq/cache</c> under the root for "", else the folder given.</summary>
    internal static StageCache CacheOf(string? cacheDirectory, string root) =>
        new(cacheDirectory is null ? null : cacheDirectory.Length == 0 ? Path.Combine(root, ".wmq", "cache") : cacheDirectory);

    /// <summary>Why a folder the run writes into cannot be used (it need not exist yet); <c>wmq tune</c> checks its folders the same way.</summary>
    internal static IEnumerable<Diagnostic> FolderProblems(string folder, string what)
    {
        var resolved = PathPolicy.Resolve(folder);
        if (resolved.Real is not { } real)
        {
            yield return Diagnostic.Error(DiagnosticCodes.UnresolvablePath, $"{what} '{BoundedText.Shorten(folder)}' cannot be used: {resolved.Problem}");
        }
        else if (PathPolicy.KindOf(real) is not (FileKind.Missing or FileKind.Directory) and var kind)
        {
            yield return Diagnostic.Error(DiagnosticCodes.NotRegularFile,
                $"{what} '{BoundedText.Shorten(folder)}' is {PathPolicy.Describe(kind)}, not a directory; name a folder (it is created when needed)");
        }
    }

    /// <summary>Recipes grouped by the device they run on, CUDA-capable requests first (a CUDA libtorch must load before the CPU one would).</summary>
    private static IEnumerable<IGrouping<string, Recipe>> ByDevice(IReadOnlyList<Recipe> recipes, string? deviceOverride) =>
        recipes.GroupBy(r => deviceOverride ?? r.Device.ToString(), StringComparer.Ordinal)
            .OrderBy(g => DeviceRequest.TryParse(g.Key, out _)?.Kind switch { DeviceKind.Cuda => 0, DeviceKind.Auto => 1, _ => 2 });
}
