using System.Diagnostics;
using System.Text;
using WmQuant.Contract;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>
/// A CI runner cancels a job with SIGTERM, a user with Ctrl+C, often twice. wmq stops at its next step with exit 3 and
/// writes nothing half-done; a second signal ends it at once, still with exit 3 and without a .NET stack trace (once an
/// unhandled InvalidOperationException from System.CommandLine's signal handler, exit 134).
/// </summary>
[TestFixture]
[NonParallelizable]
public class TerminationSignalTests
{
    private FixtureRepository repository = null!;

    [OneTimeSetUp]
    public void CreateRepository() => repository = new FixtureRepository();

    [OneTimeTearDown]
    public void DeleteRepository() => repository.Dispose();

    [TestCase("TERM", 1, TestName = "One SIGTERM stops the run at its next step with exit 3")]
    [TestCase("INT", 1, TestName = "One SIGINT stops the run at its next step with exit 3")]
    [TestCase("TERM", 2, TestName = "A second SIGTERM exits at once with exit 3 and no stack trace")]
    public void Signals_end_a_run_cleanly(string signal, int count)
    {
        string name = $"signal-{signal.ToLowerInvariant()}-{count}";
        // Long enough calibration that the signal lands while it runs (16 episodes x 4 MPC iterations on the CPU).
        string recipe = FixtureRepository.QuickRecipe(name)
            .Replace("calibration: { episodes: 4, seed_offset: 2, mpc_iterations: 1 }", "calibration: { episodes: 16, seed_offset: 2, mpc_iterations: 4 }", StringComparison.Ordinal);
        repository.Write($"signals/{name}.yaml", recipe);
        string output = repository.Combine("signals", "out");

        var (exitCode, text) = RunAndSignal(signal, count, "run", $"signals/{name}.yaml", "--out", output, "--cache", repository.Combine("signals", "cache"));

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(ExitCodes.EnvironmentFailure), text);
            Assert.That(text, Does.Contain($"wmq: SIG{signal} received; stopping at the next step"));
            Assert.That(text, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), "no stack trace");
            Assert.That(text, count == 1 ? Does.Contain("error WMQ3301").And.Contain("cancelled") : Does.Contain("received again; exiting now"));
            Assert.That(Directory.Exists(Path.Combine(output, name)), Is.False, "no artifact folder is left behind");
        });
    }

    /// <summary>Starts wmq, waits for its first progress line, sends the signal <paramref name="count"/> times, waits for the exit.</summary>
    private (int ExitCode, string Text) RunAndSignal(string signal, int count, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = repository.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepositoryLayout.WmqDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var text = new StringBuilder();
        using var started = new ManualResetEventSlim();
        using var process = new Process { StartInfo = start };
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (text)
            {
                text.AppendLine(e.Data);
            }

            if (e.Data.Contains("quantize [0/1]", StringComparison.Ordinal))
            {
                started.Set();
            }
        }

        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Assert.That(started.Wait(TimeSpan.FromMinutes(2)), Is.True, "wmq reached the quantize stage\n" + text);
            // Signals 50 ms apart from one shell: a stop at the next step can take well under a second, and the second
            // signal has to find the process still running.
            string pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string kills = string.Join("; sleep 0.05; ", Enumerable.Repeat($"kill -{signal} {pid}", count));
            using (var kill = Process.Start("sh", ["-c", kills]))
            {
                kill.WaitForExit();
            }

            Assert.That(process.WaitForExit(TimeSpan.FromMinutes(3)), Is.True, "wmq ended after the signal\n" + text);
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        lock (text)
        {
            return (process.ExitCode, text.ToString());
        }
    }
}
