using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Pipeline;
using WmQuant.Recipes;
using WmQuant.Runtime;
using WmQuant.Tuning;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq tune`: the options of <see cref="TuneJob"/> and what a person sees of it: one line per search step with the best
/// passing candidate so far, the confirmation, and where the artifact and the report went. Exit 0 when a winner held up
/// on the confirmation seeds, 1 when none did (or none passed), 2 for input to fix, 3 for an environment failure.
/// </summary>
internal static class TuneCommand
{
    /// <summary>The command line of a tune, read once.</summary>
    private sealed record Options(
        string Recipe, string? Output, string? Cache, string? RepoRoot, int? Evaluations, double? Minutes, TorchRuntimeOptions Runtime, string? Device);

    public static Command Create(CliServices services)
    {
        var runtime = new RuntimeOptionSet();
        var recipe = new Argument<string>("recipe") { Description = "A recipe with a search: section (e.g. pipelines/tune/wall-tune.yaml)." };
        var output = new Option<string?>("--out") { Description = "Folder for the artifact folder and the search report (default: artifacts/ in the repository root)." };
        var cache = new Option<string?>("--cache") { Description = "Stage cache folder (default: .wmq/cache in the repository root); a rerun resumes from it." };
        var noCache = new Option<bool>("--no-cache") { Description = "Recompute everything (results are not stored either, so nothing can resume)." };
        var repoRoot = new Option<string?>("--repo-root") { Description = "Folder recipe paths may not leave (default: the nearest ancestor with a .git entry)." };
        var evaluations = new Option<int?>("--evaluations") { Description = "Evaluation budget instead of search.budget.evaluations (1-1000)." };
        var minutes = new Option<double?>("--minutes") { Description = "Time budget in minutes instead of search.budget.minutes." };
        var command = new Command("tune",
            "Search the cheapest per-layer weight precision that passes the recipe's gates, confirm it on fresh seeds, write its artifact and a report.");
        command.Arguments.Add(recipe);
        foreach (var option in new Option[] { output, cache, noCache, repoRoot, evaluations, minutes })
        {
            command.Options.Add(option);
        }

        runtime.AddTo(command);
        command.SetAction((parse, cancellationToken) => Task.FromResult(Handle(parse, services, new Options(
            parse.GetValue(recipe)!,
            parse.GetValue(output),
            parse.GetValue(noCache) ? null : parse.GetValue(cache) ?? "",
            parse.GetValue(repoRoot),
            parse.GetValue(evaluations),
            parse.GetValue(minutes),
            runtime.Read(parse),
            runtime.ExplicitDevice(parse)), cancellationToken)));
        return command;
    }

    private static int Handle(ParseResult parse, CliServices services, Options options, CancellationToken cancellationToken)
    {
        var human = parse.Out();
        var request = new TuneRequest(
            options.Recipe,
            new RecipeLoadOptions { RepositoryRoot = options.RepoRoot, Methods = services.Methods },
            options.Output,
            options.Cache,
            options.Runtime,
            options.Device,
            RunCommand.ToolVersion(),
            options.Evaluations,
            options.Minutes);
        var listener = new Listener(human);
        var outcome = TuneJob.Run(request, listener, cancellationToken);
        human.Report(outcome.Diagnostics.Skip(listener.Reported));
        string cwd = Directory.GetCurrentDirectory();
        var inv = CultureInfo.InvariantCulture;
        if (outcome.Search is { } search)
        {
            human.WriteLine(search.Message);
        }

        foreach (var c in outcome.Confirmations)
        {
            human.WriteLine(string.Create(inv, $"  confirmation of #{c.Candidate}: {Naming.Names.Of(c.Status)} (FP {c.FpSuccesses}/{c.Episodes}, candidate {c.Successes}/{c.Episodes})"));
        }

        if (outcome.ArtifactDirectory is { } artifact)
        {
            human.WriteLine($"  artifact   {SourcePosition.DisplayPath(artifact, cwd)}");
        }

        if (outcome.ReportPath is { } report)
        {
            human.WriteLine($"  report     {SourcePosition.DisplayPath(report, cwd)}");
        }

        human.WriteLine(string.Create(inv, $"  time       {outcome.Seconds:F1} s"));
        return RunStatuses.ExitCode(outcome.Status);
    }

    /// <summary>Prints load problems, the search space, stage progress as plain lines and every search step.</summary>
    private sealed class Listener(TextWriter human) : ITuneListener
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();

        public int Reported { get; private set; }

        public IProgress<PipelineProgress>? Stages { get; } = new PipelineProgressDisplay(human);

        public void Loaded(IReadOnlyList<Diagnostic> problems)
        {
            human.Report(problems);
            Reported = problems.Count;
        }

        public void Ready(TorchRuntimeInfo runtime, Recipe recipe, SearchSpace space)
        {
            var inv = CultureInfo.InvariantCulture;
            human.WriteLine($"wmq {RunCommand.ToolVersion()}: tune {recipe.Name} on {runtime.Device} ({runtime.Threads} threads): {runtime.Reason}");
            human.WriteLine(string.Create(inv,
                $"  {space.Units.Count} {Naming.Names.Of(recipe.Search!.Unit)} unit(s) × levels " +
                $"{string.Join(", ", space.Levels.Select((_, l) => $"{space.LevelName(l)} ({space.BitsPerWeight(space.Uniform(space.Methods[0], l)):F3} bits/weight)"))}; " +
                $"{Naming.Names.Of(recipe.Search.Strategy)}, budget {recipe.Search.Budget.Evaluations} evaluations" +
                $"{(recipe.Search.Budget.Minutes is { } m ? $", {m:G} minutes" : "")}"));
        }

        public void Searching(SearchProgress progress) =>
            human.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed.TotalSeconds,6:F1}s tune {progress.Message}"));

        public void Confirming(EvaluatedCandidate candidate) =>
            human.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {clock.Elapsed.TotalSeconds,6:F1}s tune confirming #{candidate.Number} ({candidate.BitsPerWeight:F3} bits/weight) on fresh seeds"));
    }
}
