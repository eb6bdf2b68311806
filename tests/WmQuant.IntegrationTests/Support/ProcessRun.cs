using System.Diagnostics;
using System.Text;

namespace WmQuant.IntegrationTests.Support;

/// <summary>The outcome of a child process: exit code and everything it printed, interleaved as received.</summary>
internal sealed record ProcessResult(int ExitCode, string Output, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:F1} s\n{Output}";
}

/// <summary>A child process's outcome with its two streams apart (standard output carries wmq's JSON).</summary>
internal sealed record SplitProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>
/// Starts `dotnet` (and git) for the fixtures with a clean environment: variables that an outer `dotnet test` sets for
/// its own MSBuild would otherwise point the child build at the wrong SDK pieces.
/// </summary>
internal static class ProcessRun
{
    private static readonly string[] Inherited = ["MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "DOTNET_HOST_PATH", "VSTEST_HOST_DEBUG", "MSBUILDNOINPROCNODE"];

    public static ProcessResult Dotnet(string workingDirectory, TimeSpan timeout, params string[] arguments) => Run("dotnet", workingDirectory, timeout, arguments);

    /// <summary>`dotnet ARGS` with <paramref name="environment"/> applied on top of the clean environment.</summary>
    public static ProcessResult Dotnet(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        Run("dotnet", workingDirectory, timeout, environment, arguments);

    /// <summary>`dotnet ARGS` with standard output and error kept apart and <paramref name="environment"/> applied (null removes a variable).</summary>
    public static SplitProcessResult DotnetSplit(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        int exitCode = Execute(Start("dotnet", workingDirectory, arguments, environment), timeout, stdout, stderr);
        return new SplitProcessResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    public static ProcessResult Run(string fileName, string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Run(fileName, workingDirectory, timeout, new Dictionary<string, string?>(), arguments);

    private static ProcessResult Run(string fileName, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?> environment, string[] arguments)
    {
        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        int exitCode = Execute(Start(fileName, workingDirectory, arguments, environment), timeout, output, output);
        return new ProcessResult(exitCode, output.ToString(), watch.Elapsed);
    }

    /// <summary>
    /// Runs the process to its end, its standard output and error lines appended as they come (the two builders may be
    /// one); killed with its children at <paramref name="timeout"/>, which gives -1 and a note on the error side.
    /// </summary>
    private static int Execute(ProcessStartInfo start, TimeSpan timeout, StringBuilder stdout, StringBuilder stderr)
    {
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Append(stderr, $"[killed after {timeout.TotalSeconds:F0} s]");
            return -1;
        }

        process.WaitForExit();
        return process.ExitCode;
    }

    private static ProcessStartInfo Start(string fileName, string workingDirectory, string[] arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string name in Inherited)
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_DO_NOT_USE_MSBUILD_SERVER"] = "1";
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
