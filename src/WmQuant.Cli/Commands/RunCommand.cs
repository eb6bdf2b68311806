using System.CommandLine;
using System.Globalization;
using WmQuant.Cli.Ci;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Pipeline;
using WmQuant.Recipes;
using WmQuant.Runtime;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq run` / `wmq sweep` / `wmq quantize`: the options of <see cref="RecipeRunJob"/> and what a person or a build
/// sees of it. Exit 0 when every gate passed, 1 when a gate failed (the artifact is still written, marked failed),
/// 2 for input the user must fix, 3 for an environment failure.
/// </summary>
internal static class RunCommand
{
    /// <summary>The command line of a run, read once.</summary>
    private sealed record Options(
        string Recipe, string? Output, string? Cache, bool SkipEval, bool SkipGates, bool Json, bool Plain, string? RepoRoot,
        bool Table, string? ArtifactVersion, string? JUnit, TorchRuntimeOptions Runtime, string? Device);

    public static Command Create(CliServices services, string name = "run")
    {
        var runtime = new RuntimeOptionSet();
        var recipe = new Argument<string>("recipe") { Description = "The recipe (e.g. quantize.yaml)." };
        var output = new Option<string?>("--out") { Description = "Folder for the artifact folders (default: artifacts/ in the repository root)." };
        var cache = new Option<string?>("--cache") { Description = "Stage cache folder (default: .wmq/cache in the repository root)." };
        var noCache = new Option<bool>("--no-cache") { Description = "Recompute every stage (results are not stored either)." };
        var skipEval = new Option<bool>("--skip-eval") { Description = "Quantize and pack only: no evaluation, gates not judged (inner-loop builds)." };
        var skipGates = new Option<bool>("--skip-gates") { Description = "Evaluate and record verdicts, but a failed gate does not fail the run." };
        var json = new Option<bool>("--json") { Description = "Print one JSON result object on standard output (progress goes to standard error)." };
        var quiet = new Option<bool>("--quiet") { Description = "Plain progress lines, no live display (the default when CI is set or output is redirected)." };
        var repoRoot = new Option<string?>("--repo-root") { Description = "Folder recipe paths may not leave (default: the nearest ancestor with a .git entry)." };
        var junit = new Option<string?>("--junit") { Description = "Also write the gate verdicts as JUnit XML here (one test case per gate)." };
        var version = new Option<string?>("--artifact-version") { Description = "SemVer version for the artifact instead of the recipe's (e.g. a release tag without its 'v')." };
        var command = new Command(name, name switch
        {
            "sweep" => "Run every matrix combination of a recipe and print a table of the results.",
            "quantize" => "Quantize and pack a recipe's model into its artifact folder without evaluating it (gates are not judged).",
            _ => "Run a recipe end to end: baseline, quantize, evaluate, gate, write the versioned artifact.",
        });
        command.Arguments.Add(recipe);
        foreach (var option in new Option[] { output, cache, noCache, skipEval, skipGates, json, quiet, repoRoot, version, junit })
        {
            command.Options.Add(option);
        }

        runtime.AddTo(command);
        command.SetAction((parse, cancellationToken) => Task.FromResult(Handle(parse, services, new Options(
            parse.GetValue(recipe)!,
            parse.GetValue(output),
            parse.GetValue(noCache) ? null : parse.GetValue(cache) ?? "",
            parse.GetValue(skipEval) || name == "quantize",
            parse.GetValue(skipGates),
            parse.GetValue(json),
            parse.GetValue(quiet) || Console.IsErrorRedirected || Environment.GetEnvironmentVariable("CI") is { Length: > 0 },
            parse.GetValue(repoRoot),
            name == "sweep",
            parse.GetValue(version),
            parse.GetValue(junit),
            runtime.Read(parse),
            runtime.ExplicitDevice(parse)), cancellationToken)));
        return command;
    }

    private static int Handle(ParseResult parse, CliServices services, Options options, CancellationToken cancellationToken)
    {
        var human = options.Json ? parse.Error() : parse.Out();
        string cwd = Directory.GetCurrentDirectory();
        var request = new RecipeRunRequest(
            options.Recipe,
            new RecipeLoadOptions { RepositoryRoot = options.RepoRoot, Methods = services.Methods },
            options.Output,
            options.Cache,
            options.SkipEval,
            options.SkipGates,
            options.Runtime,
            options.Device,
            options.ArtifactVersion,
            ToolVersion(),
            cwd);
        var listener = new Listener(human, options.Plain || options.Json, cwd);
        var outcome = RecipeRunJob.Run(request, listener, cancellationToken);
        human.Report(outcome.Diagnostics.Skip(listener.Reported));
        if (outcome.Status == RunStatus.InvalidInput && outcome.Entries.Count == 0)
        {
            human.WriteLine($"{options.Recipe}: nothing was run");
        }

        if (options.Table || outcome.Entries.Count > 1)
        {
            PrintTable(human, outcome.Entries);
        }

        WriteCiOutputs(options, outcome, human);
        if (options.Json)
        {
            parse.Out().WriteLine(WmqJson.Write(ToJson(outcome, cwd)));
        }

        return RunStatuses.ExitCode(outcome.Status);
    }

    /// <summary>Prints load problems, the runtime line, each recipe's progress and summary as they happen.</summary>
    private sealed class Listener(TextWriter human, bool plain, string cwd) : IRecipeRunListener
    {
        /// <summary>How many of the outcome's diagnostics were printed already.</summary>
        public int Reported { get; private set; }

        public void Loaded(IReadOnlyList<Diagnostic> problems)
        {
            human.Report(problems);
            Reported = problems.Count;
        }

        public void RuntimeReady(TorchRuntimeInfo runtime, IReadOnlyList<Recipe> recipes) =>
            human.WriteLine($"wmq {ToolVersion()}: {recipes.Count} recipe(s) on {runtime.Device} ({runtime.Threads} threads): {runtime.Reason}");

        public PipelineResult Run(Recipe recipe, Func<IProgress<PipelineProgress>?, PipelineResult> run)
        {
            human.WriteLine($"== {recipe.Name}");
            var result = PipelineProgressDisplay.Run(human, plain, run);
            Summarise(human, recipe, result, cwd);
            return result;
        }
    }

    private static void Summarise(TextWriter human, Recipe recipe, PipelineResult result, string cwd)
    {
        human.Report(result.Diagnostics);
        if (result.Manifest is not { } m)
        {
            human.WriteLine($"{recipe.Name}: nothing written");
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        if (m.Baseline is { } fp && m.Quantized is { } q)
        {
            human.WriteLine(string.Create(inv, $"  FP32       success {fp.SuccessRate:F2} [{fp.SuccessInterval95[0]:F2}, {fp.SuccessInterval95[1]:F2}]  distance {fp.MeanStateDistance:F2}"));
            human.WriteLine(string.Create(inv, $"  quantized  success {q.SuccessRate:F2} [{q.SuccessInterval95[0]:F2}, {q.SuccessInterval95[1]:F2}]  distance {q.MeanStateDistance:F2}"));
        }

        foreach (var gate in m.Gates)
        {
            human.WriteLine($"  gate {gate.Metric} {gate.Kind}: {gate.Verdict.ToUpperInvariant()} — {gate.Message}");
        }

        human.WriteLine(string.Create(inv, $"  artifact   {SourcePosition.DisplayPath(result.ArtifactDirectory!, cwd)} ({Naming.Names.Of(m.Status)}; {m.Sizes.EffectiveBitsPerQuantizedWeight:F3} bits/weight, {m.Sizes.Reduction:F2}x smaller than fp32)"));
        if (result.CacheHits.Count > 0)
        {
            human.WriteLine($"  cached     {string.Join(", ", result.CacheHits)}");
        }
    }

    private static void PrintTable(TextWriter human, IReadOnlyList<RecipeRunEntry> entries)
    {
        var inv = CultureInfo.InvariantCulture;
        human.WriteLine();
        human.WriteLine("| recipe | quantization | bits/weight | FP success | quantized success | state distance | status |");
        human.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (recipe, result) in entries)
        {
            var m = result.Manifest;
            human.WriteLine(m is null
                ? $"| {recipe.Name} | – | – | – | – | – | {Naming.Names.Of(result.Status)} |"
                : string.Create(inv, $"| {recipe.Name} | {m.Quantization.Summary} | {m.Sizes.EffectiveBitsPerQuantizedWeight:F3} | {m.Baseline?.SuccessRate:F2} | {m.Quantized?.SuccessRate:F2} | {m.Quantized?.MeanStateDistance:F2} | {Naming.Names.Of(m.Status)} |"));
        }
    }

    /// <summary>JUnit XML on request; on GitHub Actions a job-summary table and annotations for failed gates and other problems.</summary>
    private static void WriteCiOutputs(Options options, RecipeRunOutcome outcome, TextWriter human)
    {
        string root = outcome.RepositoryRoot;
        var runs = outcome.Entries.Select(r => new CiRunSummary(
            r.Recipe.Name,
            r.Result.ArtifactDirectory is { } a ? Path.GetRelativePath(root, a) : "",
            r.Result.Manifest is { } m ?
            [
                new MetricComparison("success_rate", m.Baseline?.SuccessRate, m.Quantized?.SuccessRate),
                new MetricComparison("state_distance", m.Baseline?.MeanStateDistance, m.Quantized?.MeanStateDistance),
                new MetricComparison("bits_per_weight", 32, m.Sizes.EffectiveBitsPerQuantizedWeight),
            ] : [],
            r.Result.Verdicts)).ToList();
        if (options.JUnit is { } junitPath)
        {
            JUnitGateReport.Write(junitPath, runs, root);
            human.WriteLine($"JUnit gate report: {junitPath}");
        }

        if (GitHubStepSummary.Append(StepSummaryMarkdown.Render(runs, root), Environment.GetEnvironmentVariable) is { } summary)
        {
            human.WriteLine($"job summary appended to {summary}");
        }

        // Annotations go where people's output goes: standard output, or standard error beside --json.
        if (GitHubAnnotations.Enabled(Environment.GetEnvironmentVariable))
        {
            var diagnostics = outcome.Diagnostics.Concat(outcome.Entries.SelectMany(r => r.Result.Diagnostics));
            foreach (var line in GitHubAnnotations.ForRun(outcome.Entries.SelectMany(r => r.Result.Verdicts), diagnostics, root, options.SkipGates))
            {
                human.WriteLine(line);
            }
        }
    }

    private static RunResult ToJson(RecipeRunOutcome outcome, string cwd) => new()
    {
        Status = outcome.Status,
        Diagnostics = [.. outcome.Diagnostics.Select(d => d.ToRecord(cwd))],
        Recipes = [.. outcome.Entries.Select(e => new RecipeRunResult
        {
            Name = e.Recipe.Name,
            Status = e.Result.Status,
            ArtifactDirectory = e.Result.ArtifactDirectory,
            Manifest = e.Result.ArtifactDirectory is null ? null : Path.Combine(e.Result.ArtifactDirectory, Pipeline.Artifacts.ArtifactManifest.FileName),
            Diagnostics = [.. e.Result.Diagnostics.Select(d => d.ToRecord(cwd))],
            CacheHits = e.Result.CacheHits,
            Gates = e.Result.Manifest?.Gates ?? [],
        })],
    };

    /// <summary>The tool's version with the commit it was built from, e.g. 0.1.0+39475dd (see <see cref="BuildVersion"/>).</summary>
    public static string ToolVersion() => BuildVersion.Of<PipelineRunner>();
}
