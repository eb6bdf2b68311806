using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using WmQuant.Pipeline;

namespace WmQuant.Cli.Hosting;

/// <summary>
/// Shows pipeline progress: Spectre.Console bars with ETA on an interactive terminal, or plain timestamped lines
/// (one per stage change and per tenth of a stage) in CI logs and redirected output.
/// </summary>
internal sealed class PipelineProgressDisplay : IProgress<PipelineProgress>
{
    private readonly TextWriter writer;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private string? stage;
    private int lastTenth = -1;
    private ProgressContext? context;
    private readonly Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);

    public PipelineProgressDisplay(TextWriter writer) => this.writer = writer;

    /// <summary>Runs <paramref name="work"/> with a live display when <paramref name="plain"/> is false.</summary>
    public static T Run<T>(TextWriter writer, bool plain, Func<IProgress<PipelineProgress>, T> work)
    {
        var display = new PipelineProgressDisplay(writer);
        if (plain)
        {
            return work(display);
        }

        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                display.context = ctx;
                return work(display);
            });
    }

    public void Report(PipelineProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (context is not null)
        {
            if (!tasks.TryGetValue(value.Stage, out var task))
            {
                foreach (var other in tasks.Values.Where(t => !t.IsFinished))
                {
                    other.Value = other.MaxValue;
                }

                task = context.AddTask(value.Stage, maxValue: Math.Max(1, value.Total));
                tasks[value.Stage] = task;
            }

            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
            task.Description = $"{value.Stage}: {Markup.Escape(value.Message)}";
            return;
        }

        int tenth = value.Total > 0 ? value.Done * 10 / value.Total : 0;
        if (value.Stage == stage && tenth == lastTenth)
        {
            return;
        }

        stage = value.Stage;
        lastTenth = tenth;
        string count = value.Total > 0 ? string.Create(CultureInfo.InvariantCulture, $" [{value.Done}/{value.Total}]") : "";
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed.TotalSeconds,6:F1}s {value.Stage}{count} {value.Message}"));
    }
}
