using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using WmQuant.Contract;

namespace WmQuant.Build.Tasks;

/// <summary>
/// Runs `wmq validate RECIPE --json` to learn every file a recipe's result depends on (its bases through
/// `extends:`, checkpoint, model config, normalization statistics, baseline manifests), which the build records as
/// the quantize target's Inputs. An invalid recipe is not this task's error: `wmq run` reports it with positions.
/// </summary>
public sealed class WmQuantInspectRecipe : WmqToolTask
{
    /// <summary>The recipe (absolute or relative to <see cref="WmqToolTask.WorkingDirectory"/>).</summary>
    [Required]
    public string Recipe { get; set; } = "";

    /// <summary>Files the recipe's result depends on, the recipe first.</summary>
    [Output]
    public ITaskItem[] InputFiles { get; private set; } = [];

    /// <summary>Whether wmq found the recipe valid.</summary>
    [Output]
    public bool Valid { get; private set; }

    /// <inheritdoc/>
    protected override string RecipePath => Path.GetFullPath(Path.Combine(WorkingDirectory, Recipe));

    /// <inheritdoc/>
    public override bool Execute()
    {
        if (!base.Execute() || Log.HasLoggedErrors)
        {
            return false;
        }

        // validate exits 0 (valid) or 2 (invalid); anything else is wmq failing, not the recipe.
        if (WmqExitCode is not (ExitCodes.Passed or ExitCodes.InvalidInput))
        {
            Log.LogError(null, DiagnosticCodes.WmqFailed, null, RecipePath, 0, 0, 0, 0, "{0}",
                $"`wmq validate` exited with code {WmqExitCode} ({ExitCodes.Meaning(WmqExitCode)}); see the lines above");
            return false;
        }

        var report = WmqJson.TryRead<ValidationResult>(StandardOutputText, out string? problem);
        if (report is null)
        {
            Log.LogError(null, DiagnosticCodes.WmqOutputUnreadable, null, RecipePath, 0, 0, 0, 0, "{0}", problem!);
            return false;
        }

        Valid = report.Valid;
        InputFiles = [.. report.InputFiles.Prepend(RecipePath).Distinct(StringComparer.Ordinal).Select(f => new TaskItem(f))];
        Log.LogMessage(MessageImportance.Low, "{0}", $"WmQuant: {RecipePath} depends on {InputFiles.Length} file(s)");
        return true;
    }

    /// <inheritdoc/>
    protected override void AppendArguments(CommandLineBuilder builder)
    {
        builder.AppendSwitch("validate");
        builder.AppendFileNameIfNotNull(RecipePath);
        builder.AppendSwitch("--json");
        builder.AppendSwitchIfNotNull("--repo-root ", string.IsNullOrWhiteSpace(RepositoryRoot) ? null : RepositoryRoot);
    }
}
