using System.Diagnostics;
using System.Globalization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Models.Checkpoints;
using WmQuant.Pipeline;
using WmQuant.Pipeline.Caching;
using WmQuant.Planning;
using WmQuant.Recipes;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tuning;

/// <summary>What <c>wmq tune</c> asks for.</summary>
/// <param name="RecipePath">The recipe, with a <c>search:</c> section.</param>
/// <param name="Load">How the recipe is loaded.</param>
/// <param name="OutputDirectory">Artifact folder root; null: artifacts/ in the repository root.</param>
/// <param name="CacheDirectory">Stage cache; null: none; empty: .wmq/cache in the repository root.</param>
/// <param name="Runtime">Threads, libtorch folder, device.</param>
/// <param name="DeviceOverride">Run on this device instead of the recipe's.</param>
/// <param name="ToolVersion">Tool version recorded in manifests and cache keys.</param>
/// <param name="Evaluations">Evaluation budget instead of the recipe's.</param>
/// <param name="Minutes">Time budget instead of the recipe's.</param>
public sealed record TuneRequest(
    string RecipePath,
    RecipeLoadOptions Load,
    string? OutputDirectory,
    string? CacheDirectory,
    TorchRuntimeOptions Runtime,
    string? DeviceOverride,
    string ToolVersion,
    int? Evaluations = null,
    double? Minutes = null);

/// <summary>How a tune ended.</summary>
/// <param name="Status">passed (a winner held up on the confirmation seeds), gate_failed (none did, or none passed), or a failure.</param>
/// <param name="Diagnostics">Problems, and the verdicts that did not pass.</param>
/// <param name="Search">The search, when it ran to its end or its budget.</param>
/// <param name="Confirmations">Confirmation runs, in order.</param>
/// <param name="ArtifactDirectory">The artifact folder written for the last confirmed candidate, or null.</param>
/// <param name="ReportPath">The markdown report, or null.</param>
/// <param name="Seconds">Wall time of the whole command.</param>
public sealed record TuneOutcome(
    RunStatus Status,
    IReadOnlyList<Diagnostic> Diagnostics,
    SearchResult? Search,
    IReadOnlyList<ConfirmationResult> Confirmations,
    string? ArtifactDirectory,
    string? ReportPath,
    double Seconds);

/// <summary>What a front end sees of a tune as it happens.</summary>
public interface ITuneListener
{
    /// <summary>The recipe was loaded: its problems.</summary>
    void Loaded(IReadOnlyList<Diagnostic> problems);

    /// <summary>The runtime is ready and the search space known.</summary>
    void Ready(TorchRuntimeInfo runtime, Recipe recipe, SearchSpace space);

    /// <summary>Stage progress (calibration, scans, evaluations), or null to show none.</summary>
    IProgress<PipelineProgress>? Stages { get; }

    /// <summary>A step of the search: a candidate's outcome with the best passing one so far.</summary>
    void Searching(SearchProgress progress);

    /// <summary>A passing candidate is about to be confirmed on fresh seeds.</summary>
    void Confirming(EvaluatedCandidate candidate);
}

/// <summary>
/// The use-case behind <c>wmq tune</c>: load and check the recipe, start the runtime, evaluate the FP model on the search
/// seeds, search (<see cref="AllocationSearch"/> over a <see cref="SearchSpace"/>, judged by <see cref="PipelineCandidateJudge"/>),
/// confirm the cheapest passing candidate by running its resolved recipe through <see cref="PipelineRunner"/> on the
/// confirmation seeds (which writes the artifact exactly as <c>wmq run</c> does), and write the search report beside it.
/// </summary>
public static class TuneJob
{
    /// <summary>Runs the request. Problems a user can fix come back as diagnostics; an interruption leaves everything finished cached.</summary>
    public static TuneOutcome Run(TuneRequest request, ITuneListener listener, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(listener);
        var clock = Stopwatch.StartNew();
        var diagnostics = new List<Diagnostic>();
        TuneOutcome Stop(RunStatus status) => new(status, diagnostics, null, [], null, null, clock.Elapsed.TotalSeconds);

        var loaded = RecipeLoader.Load(request.RecipePath, request.Load);
        diagnostics.AddRange(loaded.Problems);
        listener.Loaded(loaded.Problems);
        if (!loaded.IsValid)
        {
            return Stop(RunStatus.InvalidInput);
        }

        string file = Path.GetFullPath(request.RecipePath);
        if (loaded.Recipes.Count != 1)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.SearchInconsistent,
                $"wmq tune searches one recipe; this one expands a matrix to {loaded.Recipes.Count}: tune one combination at a time", new SourcePosition(file, 1, 1)));
            return Stop(RunStatus.InvalidInput);
        }

        var recipe = loaded.Recipes[0];
        if (recipe.Search is null)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.MissingKey,
                "wmq tune needs a search: section (e.g. search: { bits: [3, 4, 8] }); wmq run runs a recipe without one", new SourcePosition(file, 1, 1)));
            return Stop(RunStatus.InvalidInput);
        }

        if (BudgetProblem(request) is { } budgetProblem)
        {
            diagnostics.Add(budgetProblem);
            return Stop(RunStatus.InvalidInput);
        }

        var search = recipe.Search with
        {
            Budget = new SearchBudget(request.Evaluations ?? recipe.Search.Budget.Evaluations, request.Minutes ?? recipe.Search.Budget.Minutes),
        };
        recipe = recipe with { Search = search };
        string root = RecipeRunJob.RootOf(request.Load, file);
        string output = request.OutputDirectory ?? Path.Combine(root, "artifacts");
        var boundary = new RepositoryBoundary(root);
        diagnostics.AddRange(RecipeRunJob.FolderProblems(output, "--out (the artifact folder)"));
        if (request.CacheDirectory is { Length: > 0 } cacheFolder)
        {
            diagnostics.AddRange(RecipeRunJob.FolderProblems(cacheFolder, "--cache (the stage cache folder)"));
        }

        if (recipe.Model.Checkpoint is not { } checkpoint)
        {
            // A search quantizes the FP model again and again; a finished artifact has nothing left to search.
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.SearchInconsistent,
                "wmq tune needs model.checkpoint (the FP model to search quantizations of); model.artifact names a finished "
                + "artifact, which `wmq run` or `wmq eval --artifact` re-evaluates", SourcePosition.InFile(recipe.SourceFile)));
            return Stop(RunStatus.InvalidInput);
        }

        diagnostics.AddRange(ModelBundle.Check(checkpoint, recipe.Model.Config, boundary));
        if (diagnostics.Any(d => d.IsError))
        {
            return Stop(RunStatus.InvalidInput);
        }

        var (runtime, deviceProblem) = EnvironmentFailures.Initialize(
            request.Runtime with { Device = request.DeviceOverride ?? recipe.Device.ToString(), Seed = recipe.Seed }, new SourcePosition(file, 1, 1));
        if (runtime is null)
        {
            diagnostics.Add(deviceProblem!);
            return Stop(RunStatus.EnvironmentFailure);
        }

        var cache = RecipeRunJob.CacheOf(request.CacheDirectory, root);
        var context = new RunContext(runtime, cache, request.ToolVersion);
        if (recipe.Evaluation.Precision.Problem(context.Device) is { } unusable)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.DeviceUnavailable, unusable, new SourcePosition(file, 1, 1)));
            return Stop(RunStatus.EnvironmentFailure);
        }

        var model = ModelBundle.Load(checkpoint, recipe.Model.Config, boundary);
        if (model.Model is null)
        {
            diagnostics.AddRange(model.Problems);
            return Stop(RunStatus.InvalidInput);
        }

        using var fp = model.Model;
        fp.Model.MoveTo(context.Device, ScalarType.Float32);
        var scope = recipe.Quantization.Plan.Resolve(fp.Model);
        if (SearchSpace.UnitsOf(scope, search.Unit).Count == 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.SearchInconsistent,
                "the quantization section quantizes no weights of this model, so the search has nothing to allocate", search.Position));
            return Stop(RunStatus.InvalidInput);
        }

        var space = SearchSpace.For(scope, search.Unit, search.Levels(recipe.Quantization.Weights), [.. search.Methods.Select(m => m.Name)]);
        listener.Ready(runtime, recipe, space);
        // Distinct candidates: a round after a rejected confirmation replays the earlier rounds' candidates.
        var evaluated = new HashSet<Candidate>();
        var searchProgress = new SynchronousProgress<SearchProgress>(p =>
        {
            if (p.Latest is { } latest)
            {
                evaluated.Add(latest.Candidate);
            }

            listener.Searching(p);
        });
        try
        {
            var baseline = PipelineCandidateJudge.Baseline(recipe, fp, context, boundary, listener.Stages, cancellationToken);
            var judge = new PipelineCandidateJudge(recipe, space, fp, context, baseline, boundary, listener.Stages);
            var sensitivities = new PipelineSensitivitySource(recipe, space, fp, context, search.SensitivityEpisodes, listener.Stages);
            var searchClock = System.Diagnostics.Stopwatch.StartNew();
            SearchResult Round(IReadOnlySet<Candidate> rejected)
            {
                // Every round replays the earlier path from the cache; the time budget is the whole tune's.
                return new AllocationSearch(space, search.Strategy, search.Budget, judge, sensitivities, cache, searchProgress,
                    rejected: rejected, spentBefore: searchClock.Elapsed).Run(cancellationToken);
            }

            var (confirmations, artifact, confirmed, result) = Confirm(recipe, space, Round, loaded.SourceFiles, context, output, root, listener, cancellationToken);
            string report = WriteReport(recipe, space, result, confirmations, artifact, output, confirmed);
            diagnostics.AddRange(Verdict(search, result, confirmations, confirmed));
            return new TuneOutcome(confirmed is null ? RunStatus.GateFailed : RunStatus.Passed, diagnostics, result, confirmations, artifact, report,
                clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (EnvironmentFailures.Diagnose(e, new SourcePosition(file, 1, 1), recipe.Name,
            $"interrupted after {evaluated.Count} candidate evaluation(s); everything finished is cached: rerun the same command to resume") is { } failure)
        {
            diagnostics.Add(failure);
            return Stop(RunStatus.EnvironmentFailure);
        }
    }

    /// <summary>
    /// Runs the search and confirms its cheapest passing candidate as <c>wmq run</c> runs its resolved recipe with the
    /// confirmation seeds; a candidate that fails there is rejected and the search goes on, at most
    /// <see cref="ConfirmationSpec.Attempts"/> confirmations in all (<see cref="Confirmation.Run"/>).
    /// </summary>
    private static (List<ConfirmationResult> Confirmations, string? Artifact, EvaluatedCandidate? Winner, SearchResult Search) Confirm(
        Recipe recipe, SearchSpace space, Func<IReadOnlySet<Candidate>, SearchResult> search, IReadOnlyList<string> sources, RunContext context,
        string output, string root, ITuneListener listener, CancellationToken cancellationToken)
    {
        var confirmation = recipe.Search!.Confirmation;
        var runner = new PipelineRunner(new PipelineOptions { OutputDirectory = output, RepositoryRoot = root });
        string? artifact = null;
        var (runs, winner, result) = Confirmation.Run(search, confirmation.Attempts, candidate =>
        {
            var resolved = PipelineCandidateJudge.RecipeFor(recipe, space, candidate.Candidate) with
            {
                Evaluation = recipe.Evaluation with { Episodes = confirmation.Episodes, SeedOffset = confirmation.SeedOffset },
            };
            var run = runner.Run(resolved, context, sources, listener.Stages, cancellationToken);
            if (run.Manifest is not { Baseline: { } fp, Quantized: { } quantized } manifest)
            {
                throw new InvalidDataException($"the confirmation of candidate #{candidate.Number} wrote no evaluated artifact: " +
                    string.Join("; ", run.Diagnostics.Select(d => d.Message)));
            }

            artifact = run.ArtifactDirectory;
            return new ConfirmationResult(candidate.Number, run.Status, fp.Successes, fp.SuccessInterval95, quantized.Successes,
                quantized.SuccessInterval95, quantized.EpisodeCount, [.. manifest.Gates.Select(g => $"{g.Metric} {g.Kind}: {g.Verdict} — {g.Message}")],
                artifact!);
        }, listener.Confirming);
        return ([.. runs], artifact, winner, result);
    }

    private static string WriteReport(
        Recipe recipe, SearchSpace space, SearchResult result, List<ConfirmationResult> confirmations, string? artifact, string output,
        EvaluatedCandidate? winner)
    {
        Directory.CreateDirectory(output);
        string note = winner is null
            ? confirmations.Count == 0
                ? "No artifact was written: no candidate passed the gates on the search seeds."
                : $"No candidate held up on the confirmation seeds; the artifact of the last one confirmed is marked gate_failed ({Path.GetFileName(artifact)})."
            : string.Create(CultureInfo.InvariantCulture,
                $"Winner: #{winner.Number}, {winner.BitsPerWeight:F3} bits/weight ({SearchReport.Allocation(space, winner.Candidate)}), confirmed on fresh seeds; " +
                $"artifact {Path.GetFileName(artifact)} (its recipe.resolved.json reproduces it with wmq run, without a search).");
        string markdown = Path.Combine(output, recipe.Artifact.Name + SearchReport.MarkdownSuffix);
        File.WriteAllText(markdown, SearchReport.Markdown(recipe, space, result, confirmations, note));
        File.WriteAllText(Path.Combine(output, recipe.Artifact.Name + SearchReport.JsonSuffix), SearchReport.ToJson(recipe, space, result, confirmations, artifact));
        return markdown;
    }

    /// <summary>WMQ4003 when nothing passed or held up, with the search's own account of what happened.</summary>
    private static IEnumerable<Diagnostic> Verdict(SearchSpec search, SearchResult result, List<ConfirmationResult> confirmations, EvaluatedCandidate? winner)
    {
        if (winner is not null)
        {
            yield break;
        }

        string why = confirmations.Count == 0
            ? result.Message
            : $"{confirmations.Count} passing candidate(s) failed on the confirmation seeds (the search seeds' pass did not hold up). {result.Message}";
        yield return Diagnostic.Error(DiagnosticCodes.NoCandidatePassed, why, search.Position);
    }

    private static Diagnostic? BudgetProblem(TuneRequest request)
    {
        if (request.Evaluations is { } e && e is < 1 or > 1000)
        {
            return Diagnostic.Error(DiagnosticCodes.OptionValue, $"--evaluations {e.ToString(CultureInfo.InvariantCulture)} is outside 1-1000");
        }

        if (request.Minutes is { } m && !(m > 0 && m <= 100_000))
        {
            return Diagnostic.Error(DiagnosticCodes.OptionValue, $"--minutes {m.ToString(CultureInfo.InvariantCulture)} is outside (0, 100000]");
        }

        return null;
    }
}
