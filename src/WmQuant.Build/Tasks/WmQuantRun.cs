using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using WmQuant.Build.State;
using WmQuant.Contract;

namespace WmQuant.Build.Tasks;

/// <summary>
/// Runs `wmq run RECIPE --json`: baseline, quantize, evaluate, gate, write the artifact. Gate failures and recipe
/// errors arrive as MSBuild errors at the recipe line; the artifact folders come back as items. On success it
/// records the recipe's inputs and artifacts in <see cref="StateFile"/>, which the next build's up-to-date check reads.
/// </summary>
public sealed class WmQuantRun : WmqToolTask
{
    /// <summary>The recipe (absolute or relative to <see cref="WmqToolTask.WorkingDirectory"/>).</summary>
    [Required]
    public string Recipe { get; set; } = "";

    /// <summary>Folder that receives the artifact folders.</summary>
    [Required]
    public string OutputDirectory { get; set; } = "";

    /// <summary>auto, cpu, cuda or cuda:N; empty keeps the recipe's device.</summary>
    public string? Device { get; set; }

    /// <summary>wmq's stage cache folder; empty keeps wmq's default (.wmq/cache in the repository root).</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Recompute every stage and store nothing.</summary>
    public bool NoCache { get; set; }

    /// <summary>Record gate verdicts without failing the build (failed gates become warnings).</summary>
    public bool SkipGates { get; set; }

    /// <summary>Quantize and pack only: no evaluation, so no gates (inner-loop builds).</summary>
    public bool SkipEvaluation { get; set; }

    /// <summary>CPU threads for wmq's tensor work; empty for one per core.</summary>
    public string? Threads { get; set; }

    /// <summary>A CUDA libtorch folder for wmq (--libtorch); empty for LIBTORCH_DIR or a Python PyTorch.</summary>
    public string? LibTorchDirectory { get; set; }

    /// <summary>SemVer for the artifact instead of the recipe's artifact.version (--artifact-version); empty keeps the recipe's.</summary>
    public string? ArtifactVersion { get; set; }

    /// <summary>Where to record a successful run's inputs and artifacts; deleted before the run starts.</summary>
    public string? StateFile { get; set; }

    /// <summary>Files the result depends on (from <see cref="WmQuantInspectRecipe"/>), recorded in <see cref="StateFile"/>.</summary>
    public ITaskItem[] InputFiles { get; set; } = [];

    /// <summary>The artifact folders written, with ArtifactName, Manifest, Status and Recipe metadata.</summary>
    [Output]
    public ITaskItem[] Artifacts { get; private set; } = [];

    /// <summary>wmq's overall status: passed, gate_failed, invalid_input or runtime_failure.</summary>
    [Output]
    public string Status { get; private set; } = "";

    /// <inheritdoc/>
    protected override string RecipePath => Path.GetFullPath(Path.Combine(WorkingDirectory, Recipe));

    /// <inheritdoc/>
    public override bool Execute()
    {
        if (!string.IsNullOrEmpty(StateFile))
        {
            RecipeBuildState.Delete(StateFile);
        }

        base.Execute();
        var report = WmqJson.TryRead<RunResult>(StandardOutputText, out string? jsonProblem);
        if (report is not null)
        {
            Status = RunStatuses.Name(report.Status);
            ReportProblems(report);
            Artifacts = [.. report.Recipes.Where(r => r.ArtifactDirectory is not null).Select(ArtifactItem)];
            Summarise(report);
        }

        bool succeeded = WmqExitCode == ExitCodes.Passed && report is not null && !Log.HasLoggedErrors;
        if (succeeded)
        {
            SaveState(report!);
            return true;
        }

        if (!Log.HasLoggedErrors)
        {
            // wmq failed without a line we could map (a crash, a killed process, output we do not understand).
            string detail = report is null ? jsonProblem! : string.Join("; ", report.Diagnostics.Select(d => d.Message).DefaultIfEmpty(RunStatuses.Name(report.Status)));
            Log.LogError(null, DiagnosticCodes.WmqFailed, null, RecipePath, 0, 0, 0, 0, "{0}",
                string.Create(CultureInfo.InvariantCulture, $"wmq run exited with code {WmqExitCode} ({ExitCodes.Meaning(WmqExitCode)}): {detail}"));
        }

        return false;
    }

    /// <inheritdoc/>
    protected override void AppendArguments(CommandLineBuilder builder)
    {
        builder.AppendSwitch("run");
        builder.AppendFileNameIfNotNull(RecipePath);
        builder.AppendSwitch("--json");
        builder.AppendSwitch("--quiet");
        builder.AppendSwitchIfNotNull("--out ", Path.GetFullPath(Path.Combine(WorkingDirectory, OutputDirectory)));
        if (NoCache)
        {
            builder.AppendSwitch("--no-cache");
        }
        else if (!string.IsNullOrWhiteSpace(CacheDirectory))
        {
            builder.AppendSwitchIfNotNull("--cache ", Path.GetFullPath(Path.Combine(WorkingDirectory, CacheDirectory)));
        }

        if (SkipEvaluation)
        {
            builder.AppendSwitch("--skip-eval");
        }

        if (SkipGates)
        {
            builder.AppendSwitch("--skip-gates");
        }

        builder.AppendSwitchIfNotNull("--artifact-version ", string.IsNullOrWhiteSpace(ArtifactVersion) ? null : ArtifactVersion.Trim());
        builder.AppendSwitchIfNotNull("--device ", string.IsNullOrWhiteSpace(Device) ? null : Device.Trim());
        builder.AppendSwitchIfNotNull("--threads ", string.IsNullOrWhiteSpace(Threads) ? null : Threads.Trim());
        builder.AppendSwitchIfNotNull("--libtorch ", string.IsNullOrWhiteSpace(LibTorchDirectory) ? null : LibTorchDirectory);
        builder.AppendSwitchIfNotNull("--repo-root ", string.IsNullOrWhiteSpace(RepositoryRoot) ? null : Path.GetFullPath(Path.Combine(WorkingDirectory, RepositoryRoot)));
    }

    private void ReportProblems(RunResult report)
    {
        // Usually already logged from standard error as they happened; the JSON copy catches any line that was not.
        foreach (var diagnostic in report.Diagnostics.Concat(report.Recipes.SelectMany(r => r.Diagnostics)))
        {
            ReportDiagnostic(diagnostic);
        }
    }

    private TaskItem ArtifactItem(RecipeRunResult recipe)
    {
        string directory = Path.GetFullPath(recipe.ArtifactDirectory!);
        var item = new TaskItem(directory);
        item.SetMetadata("ArtifactName", Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)));
        item.SetMetadata("Manifest", recipe.Manifest ?? Path.Combine(directory, "manifest.json"));
        item.SetMetadata("Status", RunStatuses.Name(recipe.Status));
        item.SetMetadata("RecipeName", recipe.Name);
        item.SetMetadata("Recipe", RecipePath);
        return item;
    }

    private void Summarise(RunResult report)
    {
        var inv = CultureInfo.InvariantCulture;
        foreach (var recipe in report.Recipes)
        {
            string cached = recipe.CacheHits.Count > 0 ? $" (cached: {string.Join(", ", recipe.CacheHits)})" : "";
            Log.LogMessage(MessageImportance.High, "{0}", $"WmQuant: {recipe.Name}: {RunStatuses.Name(recipe.Status)} -> {recipe.ArtifactDirectory ?? "no artifact"}{cached}");
            foreach (var gate in recipe.Gates)
            {
                Log.LogMessage(MessageImportance.High, "{0}", string.Create(inv, $"WmQuant:   gate {gate.Metric} {gate.Kind} {gate.Threshold:G4}: {gate.Verdict} ({gate.Message})"));
            }
        }
    }

    private void SaveState(RunResult report)
    {
        if (string.IsNullOrEmpty(StateFile))
        {
            return;
        }

        var inputs = InputFiles.Select(i => i.GetMetadata("FullPath")).Prepend(RecipePath).Distinct(StringComparer.Ordinal).ToList();
        new RecipeBuildState
        {
            Recipe = RecipePath,
            InputFiles = inputs,
            Artifacts = [.. report.Recipes.Where(r => r.ArtifactDirectory is not null).Select(r => new ArtifactRecord
            {
                Name = Path.GetFileName(Path.GetFullPath(r.ArtifactDirectory!).TrimEnd(Path.DirectorySeparatorChar)),
                Directory = Path.GetFullPath(r.ArtifactDirectory!),
                Status = RunStatuses.Name(r.Status),
            })],
        }.Save(StateFile);
    }
}
