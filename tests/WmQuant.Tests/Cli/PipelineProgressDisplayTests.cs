using Spectre.Console.Testing;
using WmQuant.Cli.Hosting;
using WmQuant.Pipeline;

namespace WmQuant.Tests.Cli;

/// <summary>The live progress bars: drawn by the reporting thread as progress arrives, with no refresh thread of their own.</summary>
public class PipelineProgressDisplayTests
{
    [Test]
    public void Interactive_bars_are_drawn_by_the_reporting_thread_as_progress_arrives()
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences();
        var before = AllThreadIds();
        HashSet<int> during = [];
        string shownAfterReport = "";

        int result = PipelineProgressDisplay.Run(TextWriter.Null, plain: false, progress =>
        {
            progress.Report(new PipelineProgress("calibrate", "MPC iteration 1/4", 1, 4));
            shownAfterReport = console.Output;
            during = AllThreadIds();
            return 7;
        }, console);

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(7));
            Assert.That(shownAfterReport, Does.Contain("calibrate: MPC iteration 1/4"), "drawn at the report, not by a timer");
            Assert.That(during.Except(before), Is.Empty, "no refresh thread runs beside the work");
        });
    }

    [Test]
    public void Plain_output_is_one_line_per_stage_change_and_tenth()
    {
        var writer = new StringWriter();

        PipelineProgressDisplay.Run(writer, plain: true, progress =>
        {
            for (int done = 0; done <= 20; done++)
            {
                progress.Report(new PipelineProgress("evaluate", $"episode {done}", done, 20));
            }

            progress.Report(new PipelineProgress("artifact", "writing", 0, 1));
            return 0;
        });

        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(12), writer.ToString());
        Assert.That(lines[^1], Does.Contain("artifact [0/1] writing"));
    }

    private static HashSet<int> AllThreadIds() =>
        [.. System.Diagnostics.Process.GetCurrentProcess().Threads.Cast<System.Diagnostics.ProcessThread>().Select(t => t.Id)];
}
