using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using WmQuant.Ci;
using WmQuant.Cli.Hosting;
using WmQuant.Pipeline;
using WmQuant.Recipes;
using WmQuant.Recipes.Composition;
using WmQuant.Runtime;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq run` / `wmq sweep`: the whole pipeline for a recipe (every matrix combination of it): FP baseline, quantize,
/// evaluate on the same seeds, gate, write the artifact. Exit 0 when every gate passed, 1 when a gate failed
/// (the artifact is still written, marked failed), 2 for input the user must fix, 3 for a runtime failure.
/// </summary>
internal static class RunCommand
{
    private static readonly JsonSerializerOptions JsonOutput = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create(string name = "run")
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
        command.SetAction((parse, cancellationToken) => Task.FromResult(Execute(parse, runtime, new Settings(
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
            parse.GetValue(junit)), cancellationToken)));
        return command;
    }

    private sealed record Settings(string Recipe, string? Output, string? Cache, bool SkipEval, bool SkipGates, bool Json, bool Plain, string? RepoRoot, bool Table, string? ArtifactVersion, string? JUnit);

    private static int Execute(ParseResult parse, RuntimeOptionSet runtimeOptions, Settings settings, CancellationToken cancellationToken)
    {
        var human = settings.Json ? Console.Error : Console.Out;
        string cwd = Directory.GetCurrentDirectory();
        var loaded = RecipeLoader.Load(settings.Recipe, new RecipeLoadOptions { RepositoryRoot = settings.RepoRoot });
        foreach (var problem in loaded.Problems)
        {
            human.WriteLine(problem.ToCanonicalString(cwd));
        }

        if (!loaded.IsValid)
        {
            human.WriteLine($"{settings.Recipe}: invalid recipe, nothing was run");
            WriteJson(settings, "invalid_input", [], loaded.Problems.Select(p => p.ToCanonicalString(cwd)).ToList());
            return ExitCodes.InvalidInput;
        }

        if (settings.ArtifactVersion is { } requested)
        {
            if (!NuGet.Versioning.SemanticVersion.TryParse(requested, out _))
            {
                human.WriteLine($"error WMQ3102: --artifact-version '{requested}' is not a SemVer version (e.g. 1.2.0 or 1.2.0-rc.1)");
                WriteJson(settings, "invalid_input", [], [$"--artifact-version '{requested}' is not a SemVer version"]);
                return ExitCodes.InvalidInput;
            }

            loaded = loaded with { Recipes = [.. loaded.Recipes.Select(x => x with { Artifact = x.Artifact with { Version = requested } })] };
        }

        string root = settings.RepoRoot is { } r ? Path.GetFullPath(r) : RepositoryBoundary.Find(Path.GetDirectoryName(Path.GetFullPath(settings.Recipe))!).Root;
        var options = new PipelineOptions
        {
            OutputDirectory = settings.Output ?? Path.Combine(root, "artifacts"),
            CacheDirectory = settings.Cache is null ? null : settings.Cache.Length == 0 ? Path.Combine(root, ".wmq", "cache") : settings.Cache,
            RepositoryRoot = root,
            SkipEvaluation = settings.SkipEval,
            SkipGates = settings.SkipGates,
            ToolVersion = ToolVersion(),
        };
        Directory.CreateDirectory(options.OutputDirectory);

        var explicitDevice = parse.GetResult(runtimeOptions.Device) is { Implicit: false };
        var runtimeSettings = runtimeOptions.Read(parse, loaded.Recipes[0].Seed) with
        {
            Device = explicitDevice ? parse.GetValue(runtimeOptions.Device)! : loaded.Recipes[0].Device.ToString(),
        };
        TorchRuntimeInfo info;
        try
        {
            info = TorchRuntime.Initialize(runtimeSettings);
        }
        catch (TorchRuntimeException e)
        {
            human.WriteLine($"{settings.Recipe}: error WMQ3201: {e.Message}");
            WriteJson(settings, "invalid_input", [], [e.Message]);
            return ExitCodes.InvalidInput;
        }

        human.WriteLine($"wmq {options.ToolVersion}: {loaded.Recipes.Count} recipe(s) on {info.Device} ({info.Threads} threads); artifacts in {SourcePosition.DisplayPath(options.OutputDirectory, cwd)}");
        var results = new List<(Recipe Recipe, PipelineResult Result)>();
        var runner = new PipelineRunner(options);
        foreach (var recipe in loaded.Recipes)
        {
            human.WriteLine($"== {recipe.Name}");
            PipelineResult result;
            try
            {
                result = PipelineProgressDisplay.Run(human, settings.Plain || settings.Json, display => runner.Run(recipe, loaded.SourceFiles, display, cancellationToken));
            }
            catch (OperationCanceledException)
            {
                human.WriteLine($"{recipe.Name}: cancelled; finished stages stay cached, rerun the same command to resume");
                WriteJson(settings, "runtime_failure", results, ["cancelled"]);
                return ExitCodes.RuntimeFailure;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or TorchRuntimeException or InvalidDataException)
            {
                human.WriteLine($"{SourcePosition.DisplayPath(recipe.SourceFile, cwd)}: error WMQ3301: {recipe.Name} failed: {e.Message}");
                WriteJson(settings, "runtime_failure", results, [e.Message]);
                return ExitCodes.RuntimeFailure;
            }

            results.Add((recipe, result));
            Summarise(human, recipe, result, cwd);
        }

        if (settings.Table || results.Count > 1)
        {
            PrintTable(human, results);
        }

        WriteCiOutputs(settings, results, root, human);
        string status = results.Any(r => r.Result.Status == PipelineStatus.InvalidInput) ? "invalid_input"
            : results.Any(r => r.Result.Status == PipelineStatus.GateFailed) ? "gate_failed" : "passed";
        WriteJson(settings, status, results, []);
        return status switch
        {
            "invalid_input" => ExitCodes.InvalidInput,
            "gate_failed" => ExitCodes.GateFailed,
            _ => ExitCodes.Ok,
        };
    }

    private static void Summarise(TextWriter human, Recipe recipe, PipelineResult result, string cwd)
    {
        foreach (var problem in result.Problems)
        {
            human.WriteLine(problem);
        }

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

        human.WriteLine(string.Create(inv, $"  artifact   {SourcePosition.DisplayPath(result.ArtifactDirectory!, cwd)} ({m.Status}; {m.Sizes.EffectiveBitsPerQuantizedWeight:F3} bits/weight, {m.Sizes.Reduction:F2}x smaller than fp32)"));
        if (result.CacheHits.Count > 0)
        {
            human.WriteLine($"  cached     {string.Join(", ", result.CacheHits)}");
        }
    }

    private static void PrintTable(TextWriter human, List<(Recipe Recipe, PipelineResult Result)> results)
    {
        var inv = CultureInfo.InvariantCulture;
        human.WriteLine();
        human.WriteLine("| recipe | quantization | bits/weight | FP success | quantized success | state distance | gates |");
        human.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (recipe, result) in results)
        {
            var m = result.Manifest;
            human.WriteLine(m is null
                ? $"| {recipe.Name} | – | – | – | – | – | {result.Status} |"
                : string.Create(inv, $"| {recipe.Name} | {m.Quantization.Summary} | {m.Sizes.EffectiveBitsPerQuantizedWeight:F3} | {m.Baseline?.SuccessRate:F2} | {m.Quantized?.SuccessRate:F2} | {m.Quantized?.MeanStateDistance:F2} | {m.Status} |"));
        }
    }

    /// <summary>JUnit XML on request; on GitHub Actions a job-summary table and (outside --json) error annotations for failed gates.</summary>
    private static void WriteCiOutputs(Settings settings, List<(Recipe Recipe, PipelineResult Result)> results, string root, TextWriter human)
    {
        var runs = results.Select(r => new CiRunSummary(
            r.Recipe.Name,
            r.Result.ArtifactDirectory is { } a ? Path.GetRelativePath(root, a) : "",
            r.Result.Manifest is { } m ?
            [
                new MetricComparison("success_rate", m.Baseline?.SuccessRate, m.Quantized?.SuccessRate),
                new MetricComparison("state_distance", m.Baseline?.MeanStateDistance, m.Quantized?.MeanStateDistance),
                new MetricComparison("bits_per_weight", 32, m.Sizes.EffectiveBitsPerQuantizedWeight),
            ] : [],
            r.Result.Verdicts)).ToList();
        if (settings.JUnit is { } junitPath)
        {
            JUnitGateReport.Write(junitPath, runs, root);
            human.WriteLine($"JUnit gate report: {junitPath}");
        }

        if (GitHubStepSummary.Append(StepSummaryMarkdown.Render(runs, root), Environment.GetEnvironmentVariable) is { } summary)
        {
            human.WriteLine($"job summary appended to {summary}");
        }

        if (!settings.Json && Environment.GetEnvironmentVariable("GITHUB_ACTIONS") == "true")
        {
            foreach (var line in GitHubAnnotations.Render(results.SelectMany(r => r.Result.Verdicts), root))
            {
                Console.Out.WriteLine(line);
            }
        }
    }

    private static void WriteJson(Settings settings, string status, List<(Recipe Recipe, PipelineResult Result)> results, IReadOnlyList<string> problems)
    {
        if (!settings.Json)
        {
            return;
        }

        Console.Out.WriteLine(JsonSerializer.Serialize(new
        {
            Status = status,
            Problems = problems,
            Recipes = results.Select(r => new
            {
                r.Recipe.Name,
                Status = r.Result.Status.ToString(),
                r.Result.ArtifactDirectory,
                Manifest = r.Result.ArtifactDirectory is null ? null : Path.Combine(r.Result.ArtifactDirectory, "manifest.json"),
                r.Result.Problems,
                r.Result.CacheHits,
                Gates = r.Result.Manifest?.Gates,
            }),
        }, JsonOutput));
    }

    /// <summary>The tool's informational version without the source-revision suffix.</summary>
    public static string ToolVersion()
    {
        string version = typeof(PipelineRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
