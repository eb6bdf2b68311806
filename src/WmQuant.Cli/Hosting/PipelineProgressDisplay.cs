using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using WmQuant.Pipeline;

namespace WmQuant.Cli.Hosting;

/// <summary>
/// Shows pipeline progress: Spectre.Console bars with ETA on an interactive terminal, or plain timestamped lines
/// (one per stage change and per tenth of a stage) in CI logs and redirected output.
/// </summary>
/// <remarks>
/// The bars are redrawn by the thread that reports progress, never by Spectre's refresh thread: a second thread
/// allocating while libtorch runs can start a collection that finalizes a tensor still in use (README, "Numbers in
/// tensor operations"), so the CLI keeps its managed work on the one thread that does the tensor work.
/// </remarks>
internal sealed class PipelineProgressDisplay : IProgress<PipelineProgress>
{
    private readonly TextWriter writer;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private string? stage;
    private int lastTenth = -1;
    private ProgressContext? context;
    private readonly Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);
    private TimeSpan lastRefresh;

    /// <summary>The shortest time between two redraws of the bars.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);

    public PipelineProgressDisplay(TextWriter writer) => this.writer = writer;

    /// <summary>Runs <paramref name="work"/> with a live display on <paramref name="console"/> (default: the terminal) when <paramref name="plain"/> is false.</summary>
    public static T Run<T>(TextWriter writer, bool plain, Func<IProgress<PipelineProgress>, T> work, IAnsiConsole? console = null)
    {
        var display = new PipelineProgressDisplay(writer);
        if (plain)
        {
            return work(display);
        }

        return (console ?? AnsiConsole.Console).Progress()
            .AutoRefresh(false)
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
            bool newStage = value.Stage != stage;
            stage = value.Stage;
            if (newStage || clock.Elapsed - lastRefresh >= RefreshInterval)
            {
                context.Refresh();
                lastRefresh = clock.Elapsed;
            }

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
