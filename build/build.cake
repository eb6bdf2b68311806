// Build orchestration for WmQuantPipeline (Cake.Tool 7.0.0, a local tool: see .config/dotnet-tools.json).
//   dotnet tool restore && dotnet cake build/build.cake                       # Release: the whole flow
//   dotnet cake build/build.cake --target=Test
//   dotnet cake build/build.cake --target=Gate --recipes="pipelines/*.yaml" --device=cuda
// Cake.Frosting is not served by the package registry here, so the targets live in this script; each target
// body is a call or two into the helpers at the bottom, easy to move into Frosting tasks later.
//
// Arguments:
//   --target         Clean | Restore | Build | Test | Data | Train | Calibrate | Quantize | Evaluate | Gate |
//                    Package | Release (default) | Doctor | Tune (wmq tune, e.g. --recipes="pipelines/tune/*.yaml")
//   --recipes        glob(s), comma-separated, relative to the repository root, of the recipes to run
//                    (default pipelines/**/*-cpu.yaml: the recipes sized for a CPU agent); base*.yaml are skipped
//   --device         auto | cpu | cuda | cuda:N for every wmq command (default: each recipe's own device)
//   --configuration  Release (default) | Debug
//   --output         folder for artifacts, packages and the summary (default artifacts/): artifact folders at
//                    <output>/<artifact name>/, as `wmq run` writes them, beside packages/, junit/ and summary.md
//   --cache          wmq stage cache (default .wmq/cache); --no-cache recomputes everything
//   --threads        CPU threads for wmq
//   --wmq            path of the wmq.dll to run (default: src/WmQuant.Cli's build output)
//   --package-version  version of the WmQuant.Build and WmQuant.Cli (the wmq tool) packages (release tags)
//   --artifact-version SemVer for every artifact and artifact package instead of the recipes' (release tags)
//   --locked-mode    restore exactly what the committed packages.lock.json files say, failing when they are stale (CI)
//   --env, --train-config, --encoder-steps, --predictor-steps   for Data and Train
//
// Release = Build -> Test -> Calibrate -> Quantize -> Evaluate -> Gate -> Package. Quantize, Evaluate and Gate
// are three wmq passes over the same recipes (`wmq quantize`, `wmq run --skip-gates`, `wmq run`); wmq's stage cache
// makes each later pass reuse the earlier one's work. A failed gate fails Gate (and Release) with exit code 1
// after the summary table is printed.
#nullable enable
using System.Text.Json;
using System.Text.Json.Nodes;

var target = Argument("target", "Release");
var configuration = Argument("configuration", "Release");
var recipeFilter = Argument("recipes", "pipelines/**/*-cpu.yaml");
string? device = HasArgument("device") ? Argument<string>("device") : null;
string? threads = HasArgument("threads") ? Argument<string>("threads") : null;
var noCache = HasArgument("no-cache");
var lockedMode = HasArgument("locked-mode");

var root = MakeAbsolute(Directory(".."));
var output = FromRoot(Argument("output", "artifacts"));
var cache = FromRoot(Argument("cache", ".wmq/cache"));
var solution = root.CombineWithFilePath("WmQuantPipeline.sln");
var cliProject = root.CombineWithFilePath("src/WmQuant.Cli/WmQuant.Cli.csproj");
var tasksProject = root.CombineWithFilePath("src/WmQuant.Build/WmQuant.Build.csproj");
// --wmq: a published wmq.dll to run instead of the build output's (GPU agents publish it beside a CUDA libtorch).
var wmqDll = HasArgument("wmq") ? MakeAbsolute(new FilePath(Argument<string>("wmq"))) : root.CombineWithFilePath($"src/WmQuant.Cli/bin/{configuration}/net10.0/wmq.dll");
string? packageVersion = HasArgument("package-version") ? Argument<string>("package-version") : null;
string? artifactVersion = HasArgument("artifact-version") ? Argument<string>("artifact-version") : null;
// One layout for wmq and Cake: artifact folders straight under the output folder (artifacts/<name>/, as `wmq run`
// writes them by default); the folders below are Cake's own and no artifact may be named like them.
var artifactFolders = output;
var packages = output.Combine("packages");

var outcomes = new List<RecipeOutcome>();
var recipes = new List<FilePath>();

Setup(context =>
{
    Information("{0}", $"WmQuantPipeline: target {target}, configuration {configuration}, recipes '{recipeFilter}', device {device ?? "(each recipe's)"}, output {output}");
});

// The summary prints even when a target failed (Teardown runs either way; .OnError would swallow the failure).
Teardown(context =>
{
    if (outcomes.Count > 0)
    {
        WriteSummary(context);
    }
});

Task("Clean")
    .Description("Remove build outputs and the output folder (the wmq stage cache is kept; delete .wmq/cache for a cold run).")
    .Does(() =>
{
    DotNetClean(solution.FullPath, new DotNetCleanSettings { Configuration = configuration });
    if (DirectoryExists(output))
    {
        DeleteDirectory(output, new DeleteDirectorySettings { Recursive = true, Force = true });
    }
});

Task("Prerequisites")
    .Does(() =>
{
    int exit = StartProcess("bash", new ProcessSettings { Arguments = root.CombineWithFilePath("build/prerequisites.sh").FullPath });
    if (exit != 0) throw new Exception($"build/prerequisites.sh failed with exit code {exit}");
});

Task("Restore")
    .Does(() => DotNetRestore(solution.FullPath, new DotNetRestoreSettings { LockedMode = lockedMode }));

Task("Build")
    .IsDependentOn("Prerequisites")
    .IsDependentOn("Restore")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration, NoRestore = true });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetTest(solution.FullPath, new DotNetTestSettings { Configuration = configuration, NoBuild = true, NoRestore = true });
});

Task("Doctor")
    .IsDependentOn("Build")
    .Does(() => Wmq("doctor" + DeviceSwitch()));

Task("Data")
    .Description("Generate a training dataset with wmq data generate (--env wall|pusht) into <output>/data/<env>.")
    .IsDependentOn("Build")
    .Does(() =>
{
    var env = Argument("env", "wall");
    Wmq($"data generate --env {env} --out {Quote(output.Combine("data").Combine(env).FullPath)}");
});

Task("Train")
    .Description("Train a reference model (--train-config, default models/configs/reference-<env>.yaml) into <output>/models/<env>. Not part of Release: the bundled checkpoints are used there.")
    .IsDependentOn("Data")
    .Does(() =>
{
    var env = Argument("env", "wall");
    var config = Argument("train-config", $"models/configs/reference-{env}.yaml");
    var steps = (HasArgument("encoder-steps") ? $" --encoder-steps {Argument<int>("encoder-steps")}" : "")
        + (HasArgument("predictor-steps") ? $" --predictor-steps {Argument<int>("predictor-steps")}" : "");
    Wmq($"train --config {Quote(root.CombineWithFilePath(config).FullPath)} --data {Quote(output.Combine("data").Combine(env).FullPath)} --out {Quote(output.Combine("models").Combine(env).FullPath)}{steps}{DeviceSwitch()}{ThreadsSwitch()}");
});

Task("Calibrate")
    .Description("Select the recipes and validate each (every problem at once; nothing runs on an invalid recipe). Calibration itself runs inside wmq's quantize stage.")
    .IsDependentOn("Build")
    .Does(() =>
{
    SelectedRecipes();
    Information("{0}", $"{recipes.Count} recipe(s): {string.Join(", ", recipes.Select(r => root.GetRelativePath(r).FullPath))}");
    var invalid = SelectedRecipes().Where(r => Wmq($"validate {Quote(r.FullPath)}", allowFailure: true) != 0).ToList();
    if (invalid.Count > 0) throw new Exception($"invalid recipe(s): {string.Join(", ", invalid.Select(r => root.GetRelativePath(r).FullPath))}");
});

Task("Quantize")
    .Description("wmq quantize: quantize and pack every selected recipe (artifacts written, not evaluated, not gated).")
    .IsDependentOn("Calibrate")
    .Does(() => RunRecipes("quantize", ""));

Task("Evaluate")
    .Description("wmq run --skip-gates: FP baseline and quantized evaluation on the same seeds; verdicts recorded, not enforced.")
    .IsDependentOn("Quantize")
    .Does(() => RunRecipes("evaluate", "--skip-gates"));

Task("Gate")
    .Description("wmq run: judge every gate (evaluations come from the stage cache); fails when any gate fails.")
    .IsDependentOn("Evaluate")
    .Does(() =>
{
    EnsureDirectoryExists(output.Combine("junit"));
    RunRecipes("gate", "--junit {junit}");
    var failed = outcomes.Where(o => o.Step == "gate" && o.ExitCode != 0).ToList();
    if (failed.Count > 0)
    {
        throw new Exception($"{failed.Count} recipe(s) failed their gates or could not run: {string.Join(", ", failed.Select(f => f.RecipeFile))}");
    }
});

Task("Tune")
    .Description("wmq tune every selected recipe (--recipes, e.g. pipelines/tune/*.yaml; each needs a search: section): the cheapest per-layer precision that passes its gates, confirmed on held-out seeds; its artifact and <name>.search.md go to the output folder. Fails when a search finds no confirmed candidate. Not part of Release.")
    .IsDependentOn("Build")
    .Does(() =>
{
    EnsureDirectoryExists(artifactFolders);
    var failed = new List<string>();
    foreach (var recipe in SelectedRecipes())
    {
        string relative = root.GetRelativePath(recipe).FullPath;
        Information("{0}", $"== tune: {relative}");
        int exit = Wmq($"tune {Quote(recipe.FullPath)} --out {Quote(artifactFolders.FullPath)}{CacheSwitch()}{DeviceSwitch()}{ThreadsSwitch()}", allowFailure: true);
        // 1: no candidate held up (reported, judged after the others ran); 2 and 3: bad input or environment stop the flow.
        if (exit is 2 or 3 or < 0 or > 3) throw new Exception($"wmq tune {relative} failed with exit code {exit}");
        if (exit == 1) failed.Add(relative);
    }

    if (failed.Count > 0) throw new Exception($"{failed.Count} search(es) found no confirmed candidate: {string.Join(", ", failed)}");
});

Task("Package")
    .Description("Pack the WmQuant.Build tasks package, the wmq tool (WmQuant.Cli, WmQuant.Cli.linux-x64), every artifact package project under pipelines/ (their builds quantize through the tasks, from the stage cache) and every other gated artifact (wmq pack): one package per model.")
    .IsDependentOn("Build")
    .Does(() =>
{
    EnsureDirectoryExists(packages);
    var tasksSettings = new DotNetPackSettings { Configuration = configuration, NoBuild = packageVersion is null, NoRestore = true, OutputDirectory = packages, MSBuildSettings = new DotNetMSBuildSettings() };
    if (packageVersion is not null) tasksSettings.MSBuildSettings.WithProperty("Version", packageVersion);
    DotNetPack(tasksProject.FullPath, tasksSettings);
    // The tool package publishes wmq for linux-x64, a build of its own (not the solution's RID-neutral output).
    var toolSettings = new DotNetPackSettings { Configuration = configuration, NoRestore = true, OutputDirectory = packages, MSBuildSettings = new DotNetMSBuildSettings() };
    if (packageVersion is not null) toolSettings.MSBuildSettings.WithProperty("Version", packageVersion);
    DotNetPack(cliProject.FullPath, toolSettings);

    // Every artifact that passed its gates as a NuGet package of its own (`wmq pack` checks it against its
    // manifest first); failed and ungated artifacts are not packed, nor those whose recipe a project below packs.
    var projects = GetFiles(root.FullPath + "/pipelines/**/*.csproj").ToList();
    var projectRecipes = ProjectRecipes(projects);
    foreach (var manifest in GetFiles(artifactFolders.FullPath + "/*/manifest.json"))
    {
        var node = JsonNode.Parse(System.IO.File.ReadAllText(manifest.FullPath));
        var status = (string?)node?["status"];
        var recipeFile = (string?)node?["recipe"]?["file"];
        string name = manifest.GetDirectory().GetDirectoryName();
        if (recipeFile is not null && projectRecipes.TryGetValue(recipeFile, out var owner))
        {
            Information("{0}", $"not packed by wmq pack: {name} (its recipe {recipeFile} is packed by {owner})");
        }
        else if (status == "passed")
        {
            Wmq($"pack {Quote(manifest.GetDirectory().FullPath)} --out {Quote(packages.FullPath)}");
        }
        else
        {
            Information("{0}", $"not packed: {name} (status {status})");
        }
    }

    var properties = new Dictionary<string, string> { ["WmQuantCacheDirectory"] = cache.FullPath, ["WmQuantToolPath"] = wmqDll.FullPath };
    if (artifactVersion is not null)
    {
        properties["WmQuantArtifactVersion"] = artifactVersion;
        properties["Version"] = artifactVersion;
    }

    if (noCache) properties["WmQuantNoCache"] = "true";
    if (device is not null) properties["WmQuantDevice"] = device;
    if (threads is not null) properties["WmQuantThreads"] = threads;
    foreach (var project in projects)
    {
        var settings = new DotNetPackSettings { Configuration = configuration, OutputDirectory = packages, MSBuildSettings = new DotNetMSBuildSettings() };
        settings.EnvironmentVariables["GITHUB_STEP_SUMMARY"] = "";
        if (lockedMode) settings.MSBuildSettings.WithProperty("RestoreLockedMode", "true");
        foreach (var property in properties) settings.MSBuildSettings.WithProperty(property.Key, property.Value);
        DotNetPack(project.FullPath, settings);
    }

    foreach (var package in GetFiles(packages.FullPath + "/*.nupkg"))
    {
        Information("{0}", $"package {package.GetFilename()} ({new FileInfo(package.FullPath).Length / 1024.0:F0} KiB)");
    }
});

Task("Release")
    .Description("Build -> Test -> Calibrate -> Quantize -> Evaluate -> Gate -> Package for the selected recipes.")
    .IsDependentOn("Test")
    .IsDependentOn("Gate")
    .IsDependentOn("Package");

RunTarget(target);

// ---- helpers -------------------------------------------------------------------------------------------------

// The recipes --recipes selects, found once per run (targets run with --exclusive select them too).
List<FilePath> SelectedRecipes()
{
    if (recipes.Count > 0) return recipes;
    recipes.AddRange(recipeFilter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .SelectMany(glob => GetFiles(root.FullPath + "/" + glob.TrimStart('/')))
        .Where(f => f.GetExtension() is ".yaml" or ".yml")
        .Where(f => !IsBase(f.GetFilename().FullPath))
        .Select(f => MakeAbsolute(f))
        .GroupBy(f => f.FullPath).Select(g => g.First())
        .OrderBy(f => f.FullPath, StringComparer.Ordinal));
    if (recipes.Count == 0) throw new Exception($"no recipe matches '{recipeFilter}' (base*.yaml are not run on their own)");
    return recipes;
}

// Recipe (relative to the root, as manifests record it) -> the project under pipelines/ whose package carries its model.
Dictionary<string, string> ProjectRecipes(IEnumerable<FilePath> projects)
{
    var owners = new Dictionary<string, string>(StringComparer.Ordinal);
    foreach (var project in projects)
    {
        var document = System.Xml.Linq.XDocument.Load(project.FullPath);
        foreach (var item in document.Descendants().Where(e => e.Name.LocalName == "WmQuantRecipe"))
        {
            var include = (string?)item.Attribute("Include");
            if (string.IsNullOrWhiteSpace(include)) continue;
            var recipe = project.GetDirectory().CombineWithFilePath(include).Collapse();
            owners[root.GetRelativePath(recipe).FullPath] = root.GetRelativePath(project).FullPath;
        }
    }

    return owners;
}

static bool IsBase(string name) => name is "base.yaml" or "base.yml" || name.StartsWith("base-", StringComparison.Ordinal) || name.Contains(".base.", StringComparison.Ordinal);

// A folder argument: absolute as given, else relative to the repository root (not to the shell's folder).
DirectoryPath FromRoot(string path)
{
    var directory = new DirectoryPath(path);
    return directory.IsRelative ? root.Combine(directory).Collapse() : directory;
}

string Display(DirectoryPath path) => path.FullPath.StartsWith(root.FullPath + "/", StringComparison.Ordinal) ? root.GetRelativePath(path).FullPath : path.FullPath;

static string Quote(string value) => "\"" + value + "\"";

string CacheSwitch() => noCache ? " --no-cache" : $" --cache {Quote(cache.FullPath)}";

string DeviceSwitch() => device is null ? "" : " --device " + device;

string ThreadsSwitch() => threads is null ? "" : " --threads " + threads;

// Runs wmq from the build output with the repository root as working directory, so the file names in its
// canonical error lines are relative to the checkout (what GitHub's problem matcher and IDEs expect).
int Wmq(string arguments, bool allowFailure = false)
{
    if (!FileExists(wmqDll)) throw new Exception($"{wmqDll} is missing: run the Build target first");
    int exit = StartProcess("dotnet", new ProcessSettings { Arguments = $"exec {Quote(wmqDll.FullPath)} {arguments}", WorkingDirectory = root });
    if (exit != 0 && !allowFailure) throw new Exception($"wmq {arguments.Split(' ')[0]} failed with exit code {exit}");
    return exit;
}

void RunRecipes(string step, string flags)
{
    EnsureDirectoryExists(artifactFolders);
    var versioning = artifactVersion is null ? "" : $" --artifact-version {artifactVersion}";
    string command = step == "quantize" ? "quantize" : "run";
    foreach (var recipe in SelectedRecipes())
    {
        string relative = root.GetRelativePath(recipe).FullPath;
        string recipeFlags = flags.Replace("{junit}", Quote(output.Combine("junit").CombineWithFilePath(recipe.GetFilenameWithoutExtension().FullPath + ".xml").FullPath));
        Information("{0}", $"== {step}: {relative}");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        int exit = StartProcess("dotnet", new ProcessSettings
        {
            Arguments = $"exec {Quote(wmqDll.FullPath)} {command} {Quote(recipe.FullPath)} --json --quiet --out {Quote(artifactFolders.FullPath)}{CacheSwitch()}{versioning} {recipeFlags}{DeviceSwitch()}{ThreadsSwitch()}",
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            // One consolidated table (WriteSummary) instead of one per wmq process and pass.
            EnvironmentVariables = new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = "" },
        }, out IEnumerable<string> stdout);
        watch.Stop();
        var outcome = RecipeOutcome.From(step, relative, exit, string.Join("\n", stdout), watch.Elapsed);
        outcomes.RemoveAll(o => o.Step == step && o.RecipeFile == relative);
        outcomes.Add(outcome);
        Information("{0}", $"   {relative}: wmq exit {exit} ({outcome.Status}) in {watch.Elapsed.TotalSeconds:F0} s");
        // Invalid input or a runtime failure stops the flow here; a failed gate is judged (and reported) by Gate.
        if (exit is 2 or 3 or < 0 or > 3) throw new Exception($"wmq run {relative} ({step}) failed with exit code {exit}: {string.Join("; ", outcome.Problems)}");
    }
}

void WriteSummary(ICakeContext context)
{
    // One row per resolved recipe, from the furthest step that ran for it (gate > evaluate > quantize).
    var order = new[] { "gate", "evaluate", "quantize" };
    var rows = new List<string>
    {
        "| recipe | file | step | quantization | bits/weight | FP success | quantized success | state distance (FP → quantized) | gates | status | wmq time |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    };
    foreach (var group in outcomes.GroupBy(o => o.RecipeFile))
    {
        var last = group.OrderBy(o => Array.IndexOf(order, o.Step)).First();
        if (last.Recipes.Count == 0)
        {
            rows.Add($"| – | {last.RecipeFile} | {last.Step} | – | – | – | – | – | – | {last.Status} | {last.Elapsed.TotalSeconds:F0} s |");
        }

        foreach (var r in last.Recipes)
        {
            rows.Add($"| {r.Name} | {last.RecipeFile} | {last.Step} | {r.Quantization} | {r.BitsPerWeight} | {r.BaselineSuccess} | {r.QuantizedSuccess} | {r.Distance} | {r.Gates} | {r.Status} | {last.Elapsed.TotalSeconds:F0} s |");
        }
    }

    string table = string.Join("\n", rows);
    string markdown = $"## WmQuantPipeline: {target} ({configuration})\n\n{table}\n\nArtifacts: `{Display(artifactFolders)}/<name>/`, packages: `{Display(packages)}`.\n";
    EnsureDirectoryExists(output);
    System.IO.File.WriteAllText(output.CombineWithFilePath("summary.md").FullPath, markdown);
    System.IO.File.WriteAllText(output.CombineWithFilePath("results.json").FullPath, JsonSerializer.Serialize(outcomes.Select(o => new { o.Step, o.RecipeFile, o.ExitCode, o.Status, seconds = o.Elapsed.TotalSeconds, o.Problems, recipes = o.Recipes }), new JsonSerializerOptions { WriteIndented = true }));
    Information("{0}", "");
    Information("{0}", table);
    Information("{0}", $"summary: {output.CombineWithFilePath("summary.md")}");
    if (context.GitHubActions().IsRunningOnGitHubActions)
    {
        context.GitHubActions().Commands.SetStepSummary(markdown);
    }
}

// What one `wmq run --json` said about one recipe file, with the figures the summary shows read from the manifests.
sealed record RecipeOutcome(string Step, string RecipeFile, int ExitCode, string Status, TimeSpan Elapsed, IReadOnlyList<string> Problems, IReadOnlyList<RecipeRow> Recipes)
{
    public static RecipeOutcome From(string step, string recipeFile, int exitCode, string json, TimeSpan elapsed)
    {
        int start = json.IndexOf('{');
        if (start < 0) return new(step, recipeFile, exitCode, "no result", elapsed, ["wmq printed no JSON result"], []);
        var result = JsonNode.Parse(json[start..])!;
        // Diagnostics are data in wmq's JSON (src/Contract/WmqJson.cs); shown here in MSBuild's canonical form.
        static string Line(JsonNode d) =>
            $"{((string?)d["file"] is { } file ? ((int)d["line"]! > 0 ? $"{file}({d["line"]},{d["column"]}): " : $"{file}: ") : "")}{d["severity"]} {d["code"]}: {d["message"]}";
        var problems = result["diagnostics"]!.AsArray().Select(d => Line(d!)).ToList();
        var rows = result["recipes"]!.AsArray().Select(r => RecipeRow.From(r!)).ToList();
        problems.AddRange(result["recipes"]!.AsArray().SelectMany(r => r!["diagnostics"]!.AsArray().Select(d => Line(d!))));
        return new(step, recipeFile, exitCode, (string)result["status"]!, elapsed, problems, rows);
    }
}

sealed record RecipeRow(string Name, string Status, string Quantization, string BitsPerWeight, string BaselineSuccess, string QuantizedSuccess, string Distance, string Gates, string? Artifact)
{
    public static RecipeRow From(JsonNode recipe)
    {
        string name = (string)recipe["name"]!;
        string? artifact = (string?)recipe["artifact_directory"];
        var gates = recipe["gates"] is JsonArray g && g.Count > 0
            ? string.Join("; ", g.Select(x => $"{x!["metric"]} {x["kind"]} {x["threshold"]}: {((string)x["verdict"]!).ToUpperInvariant()}"))
            : "none";
        JsonNode? manifest = artifact is not null && System.IO.File.Exists(System.IO.Path.Combine(artifact, "manifest.json"))
            ? JsonNode.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(artifact, "manifest.json")))
            : null;
        string Rate(JsonNode? evaluation) => evaluation is null ? "–"
            : $"{(double)evaluation["success_rate"]!:F2} ({evaluation["successes"]}/{evaluation["episode_count"]})";
        string Distance(JsonNode? evaluation) => evaluation is null ? "–" : $"{(double)evaluation["mean_state_distance"]!:F2}";
        return new RecipeRow(
            name,
            (string?)manifest?["status"] ?? (string)recipe["status"]!,
            (string?)manifest?["quantization"]?["summary"] ?? "–",
            manifest?["sizes"]?["effective_bits_per_quantized_weight"] is JsonNode bits ? $"{(double)bits:F3}" : "–",
            Rate(manifest?["baseline"]),
            Rate(manifest?["quantized"]),
            manifest?["baseline"] is null && manifest?["quantized"] is null ? "–" : $"{Distance(manifest?["baseline"])} → {Distance(manifest?["quantized"])}",
            gates,
            artifact);
    }
}
