using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using WmQuant.Build.Diagnostics;
using WmQuant.Build.Tooling;
using WmQuant.Contract;

namespace WmQuant.Build.Tasks;

/// <summary>
/// Runs wmq out of process (TorchSharp must never load into MSBuild) and splits what it prints: standard output is
/// the machine-readable JSON result, standard error is people's progress plus MSBuild canonical error lines, which
/// become real MSBuild errors with code, file, line and column.
/// </summary>
public abstract class WmqToolTask : ToolTask
{
    private readonly StringBuilder standardOutput = new();
    private readonly HashSet<string> reported = new(StringComparer.Ordinal);
    private readonly Queue<string> recentErrorLines = new();
    private WmqLaunch? launch;

    /// <summary>WmQuantToolPath: empty for `wmq` on PATH, an executable, wmq.dll (run with the dotnet host) or a folder holding either.</summary>
    public string? Tool { get; set; }

    /// <summary>Folder wmq runs in and relative paths are resolved against (the project folder).</summary>
    [Required]
    public string WorkingDirectory { get; set; } = "";

    /// <summary>The folder recipe paths may not leave (empty: the nearest ancestor of the recipe with .git).</summary>
    public string? RepositoryRoot { get; set; }

    /// <summary>wmq's exit code, for targets that want to branch on it.</summary>
    [Output]
    public int WmqExitCode { get; private set; }

    /// <inheritdoc/>
    protected override string ToolName => WmqLocator.ToolName;

    /// <summary>Standard output lines reach <see cref="LogEventsFromTextOutput"/> with this importance; it tells them apart from standard error.</summary>
    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Low;

    /// <summary>Standard error (progress, errors) is shown at normal verbosity.</summary>
    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    /// <summary>Everything wmq printed on standard output.</summary>
    protected string StandardOutputText => standardOutput.ToString();

    /// <summary>Resolves relative files in diagnostics.</summary>
    private protected DiagnosticFileResolver FileResolver { get; private set; } = new(".", null);

    /// <summary>The recipe the task works on, absolute (used to find the repository root).</summary>
    protected abstract string RecipePath { get; }

    /// <summary>The arguments after the tool (and after wmq.dll when run through the dotnet host).</summary>
    protected abstract void AppendArguments(CommandLineBuilder builder);

    /// <inheritdoc/>
    protected override string GenerateFullPathToTool() => launch?.Executable ?? ToolName;

    /// <inheritdoc/>
    protected override string GetWorkingDirectory() => WorkingDirectory;

    /// <inheritdoc/>
    protected override bool ValidateParameters()
    {
        if (StandardOutputImportanceToUse == StandardErrorImportanceToUse)
        {
            Log.LogError(null, DiagnosticCodes.TaskMisconfigured, null, null, 0, 0, 0, 0,
                "StandardOutputImportance and StandardErrorImportance must differ for the WmQuant tasks: the JSON result is read from standard output");
            return false;
        }

        launch = WmqLocator.Locate(Tool, WorkingDirectory, Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"), Environment.GetEnvironmentVariable("PATH"), out string? problem);
        if (launch is null)
        {
            Log.LogError(null, DiagnosticCodes.WmqNotFound, null, null, 0, 0, 0, 0, problem!);
            return false;
        }

        // MSBuild's errors reach GitHub through the build's problem matcher; wmq's own annotations would repeat them.
        EnvironmentVariables = [.. EnvironmentVariables ?? [], WmqEnvironment.NoAnnotations + "=1"];
        string? root = string.IsNullOrWhiteSpace(RepositoryRoot) ? Tooling.RepositoryRoot.Find(Path.GetDirectoryName(RecipePath)!) : Path.GetFullPath(RepositoryRoot);
        FileResolver = new DiagnosticFileResolver(WorkingDirectory, root);
        return base.ValidateParameters();
    }

    /// <inheritdoc/>
    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder(quoteHyphensOnCommandLine: false, useNewLineSeparator: false);
        foreach (string part in launch?.Prefix ?? [])
        {
            builder.AppendFileNameIfNotNull(part);
        }

        AppendArguments(builder);
        return builder.ToString();
    }

    /// <inheritdoc/>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (messageImportance == StandardOutputImportanceToUse)
        {
            standardOutput.AppendLine(singleLine);
            return;
        }

        if (!ReportDiagnostic(singleLine))
        {
            Log.LogMessage(messageImportance, "{0}", singleLine);
            recentErrorLines.Enqueue(singleLine);
            if (recentErrorLines.Count > 5)
            {
                recentErrorLines.Dequeue();
            }
        }
    }

    /// <summary>Logs a diagnostic from wmq's JSON once (it was usually logged already from its canonical line on standard error).</summary>
    private protected void ReportDiagnostic(DiagnosticRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        LogOnce(new CanonicalDiagnostic(record.File, record.Line, record.Column, record.Severity == Severity.Warning, record.Code, record.Message));
    }

    /// <summary>Logs a canonical line as an MSBuild error or warning once (wmq repeats problems in its JSON); false when the line is not one.</summary>
    protected bool ReportDiagnostic(string line)
    {
        if (!CanonicalDiagnosticParser.TryParse(line, out var d))
        {
            return false;
        }

        LogOnce(d);
        return true;
    }

    private void LogOnce(CanonicalDiagnostic d)
    {
        string? file = FileResolver.Resolve(d.File);
        if (!reported.Add($"{d.Code}|{file}|{d.Line}|{d.Column}|{d.Message}"))
        {
            return;
        }

        if (d.IsWarning)
        {
            Log.LogWarning(null, d.Code, null, file, d.Line, d.Column, 0, 0, "{0}", d.Message);
        }
        else
        {
            Log.LogError(null, d.Code, null, file, d.Line, d.Column, 0, 0, "{0}", d.Message);
        }
    }

    /// <inheritdoc/>
    protected override int ExecuteTool(string pathToTool, string responseFileCommands, string commandLineCommands)
    {
        standardOutput.Clear();
        recentErrorLines.Clear();
        WmqExitCode = base.ExecuteTool(pathToTool, responseFileCommands, commandLineCommands);
        // `dotnet tool run` itself failing (tool not restored, manifest broken) prints one line and no JSON; say so
        // instead of letting the exit code pass for one of wmq's.
        if (WmqExitCode != 0 && launch?.Manifest is { } manifest && string.IsNullOrWhiteSpace(StandardOutputText))
        {
            Log.LogError(null, DiagnosticCodes.WmqNotFound, null, manifest, 0, 0, 0, 0, "{0}",
                $"`dotnet tool run wmq` failed with exit code {WmqExitCode} before wmq answered: {string.Join(" ", recentErrorLines).Trim()} "
                + "(run `dotnet tool restore` where the manifest is, or set WmQuantToolPath)");
        }

        return WmqExitCode;
    }

    /// <summary>The exit code is judged by the derived task, which knows what wmq meant by it.</summary>
    protected override bool HandleTaskExecutionErrors() => !Log.HasLoggedErrors;
}
