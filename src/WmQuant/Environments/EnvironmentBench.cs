using System.Diagnostics;

namespace WmQuant.Environments;

/// <summary>Best-of timings of batched stepping and rendering.</summary>
/// <param name="StepMilliseconds">Stepping every instance through the action sequence.</param>
/// <param name="RenderMilliseconds">Rendering one frame of every instance.</param>
/// <param name="Repeats">Timed repeats (the best is kept).</param>
public sealed record EnvironmentBenchResult(double StepMilliseconds, double RenderMilliseconds, int Repeats);

/// <summary>
/// The use-case behind <c>wmq data bench</c>: how long batched stepping and rendering of an environment take — what MPC
/// evaluation pays per iteration besides the model.
/// </summary>
public static class EnvironmentBench
{
    /// <summary>Timed repeats; the best is reported, so one descheduled run does not count.</summary>
    public const int Repeats = 5;

    /// <summary>
    /// Times <paramref name="instances"/> instances stepping <paramref name="steps"/> random actions and rendering at
    /// <paramref name="size"/> px.
    /// </summary>
    public static EnvironmentBenchResult Run(string environment, int instances, int steps, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var batch = new EnvironmentBatch(instances, _ => EnvironmentCatalog.Create(environment, imageSize: size));
        var random = new Random(0);
        var actions = new double[instances * steps * batch.ActionDim];
        for (var i = 0; i < actions.Length; i++)
        {
            actions[i] = (random.NextDouble() - 0.5) * 0.6;
        }

        void ResetAll()
        {
            for (var i = 0; i < instances; i++)
            {
                var instance = batch.Instances[i];
                instance.SetState(instance.SampleEpisode(i).StartState);
            }
        }

        ResetAll();
        batch.StepSequence(actions, steps);
        _ = batch.ObserveAll();
        double stepMs = double.MaxValue, renderMs = double.MaxValue;
        for (var r = 0; r < Repeats; r++)
        {
            ResetAll();
            var watch = Stopwatch.StartNew();
            batch.StepSequence(actions, steps);
            stepMs = Math.Min(stepMs, watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            _ = batch.ObserveAll();
            renderMs = Math.Min(renderMs, watch.Elapsed.TotalMilliseconds);
        }

        return new EnvironmentBenchResult(stepMs, renderMs, Repeats);
    }
}
