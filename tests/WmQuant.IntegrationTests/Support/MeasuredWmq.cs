using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace WmQuant.IntegrationTests.Support;

/// <summary>A wmq process run with its exit code, output, wall time and peak resident memory, as measured (never assumed).</summary>
/// <param name="ExitCode">The exit code (-1 when it was killed for running too long).</param>
/// <param name="Output">Standard output and error, interleaved as received.</param>
/// <param name="Wall">Wall time from start to exit.</param>
/// <param name="Cpu">User plus system CPU time of wmq: /usr/bin/time's %U + %S, else the last value read while it ran.</param>
/// <param name="PeakKilobytes">Peak resident set size: /usr/bin/time's %M, else the last VmHWM read from /proc while it ran.</param>
internal sealed record MeasuredResult(int ExitCode, string Output, TimeSpan Wall, TimeSpan Cpu, long PeakKilobytes)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"exit {ExitCode} after {Wall.TotalSeconds:F2} s ({Cpu.TotalSeconds:F2} s CPU), peak {PeakKilobytes / 1024.0:F0} MB\n{Output}");
}

/// <summary>
/// Runs the built wmq.dll as a process and measures it: wall time, and peak RSS either exactly through
/// <c>/usr/bin/time -f %M</c> when present or by polling <c>/proc/&lt;pid&gt;/status</c> (VmHWM is the high-water mark,
/// so polling misses at most the growth of the last few milliseconds).
/// </summary>
internal static class MeasuredWmq
{
    private const string Time = "/usr/bin/time";

    /// <summary>Runs <c>dotnet wmq.dll arguments</c> in <paramref name="workingDirectory"/>, killed after <paramref name="timeout"/>.</summary>
    public static MeasuredResult Run(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        string? timeFile = File.Exists(Time) ? Path.Combine(Path.GetTempPath(), $"wmq-time-{Guid.NewGuid():N}.txt") : null;
        var start = new ProcessStartInfo(timeFile is null ? "dotnet" : Time)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (timeFile is not null)
        {
            foreach (string argument in new[] { "-f", "%M %U %S", "-o", timeFile, "dotnet" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.ArgumentList.Add(RepositoryLayout.WmqDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("CI");
        start.Environment.Remove("GITHUB_ACTIONS");
        start.Environment.Remove("GITHUB_STEP_SUMMARY");

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long polled = 0;
        var cpu = TimeSpan.Zero;
        while (!process.WaitForExit(15))
        {
            polled = Math.Max(polled, PeakOfTree(process.Id));
            cpu = CpuOf(process, cpu);
            if (watch.Elapsed > timeout)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new MeasuredResult(-1, output + $"[killed after {timeout.TotalSeconds:F0} s]", watch.Elapsed, cpu, polled);
            }
        }

        process.WaitForExit();
        var wall = watch.Elapsed;
        long peak = polled;
        if (timeFile is not null)
        {
            string text = File.ReadAllText(timeFile).Trim();
            File.Delete(timeFile);
            // /usr/bin/time writes "Command exited with non-zero status N" before the numbers when the command fails.
            var fields = text.Split('\n')[^1].Trim().Split(' ');
            peak = long.Parse(fields[0], CultureInfo.InvariantCulture);
            cpu = TimeSpan.FromSeconds(double.Parse(fields[1], CultureInfo.InvariantCulture) + double.Parse(fields[2], CultureInfo.InvariantCulture));
        }

        return new MeasuredResult(process.ExitCode, output.ToString(), wall, cpu, peak);
    }

    /// <summary>The process's CPU time so far (without /usr/bin/time in between, the process is wmq itself).</summary>
    private static TimeSpan CpuOf(Process process, TimeSpan last)
    {
        try
        {
            return process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return last;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return last;
        }
    }

    /// <summary>Highest VmHWM of the process and its children (with /usr/bin/time, wmq is the child), in kB; 0 when unreadable.</summary>
    private static long PeakOfTree(int pid)
    {
        long peak = VmHwm(pid);
        try
        {
            foreach (string child in File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                peak = Math.Max(peak, VmHwm(int.Parse(child, CultureInfo.InvariantCulture)));
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return peak;
    }

    private static long VmHwm(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
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
