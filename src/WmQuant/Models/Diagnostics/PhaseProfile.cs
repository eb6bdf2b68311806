using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Models.Diagnostics;

/// <summary>One phase of a profiled call: how often it ran and its own wall time (phases inside it excluded).</summary>
/// <param name="Phase">The phase's name, e.g. "predictor qkv".</param>
/// <param name="Calls">How many times it ran.</param>
/// <param name="Milliseconds">Its own time, summed over the calls.</param>
public sealed record PhaseTime(string Phase, int Calls, double Milliseconds);

/// <summary>
/// Where a rollout's time goes, phase by phase (<c>wmq bench rollout --profile</c>). The speed work of issue 21 needs to
/// know which passes dominate on a GPU, and a GPU runs kernels asynchronously: so while a profile is active, every
/// instrumented phase waits for the device before and after itself, and the kernels it queued are charged to it.
/// Those waits serialize the device, so a profiled call is slower than a timed one: read the shares. With no profile
/// active a phase costs one null check. A phase inside another is charged to the inner one only. A profile sees the
/// phases of the thread that started it.
/// </summary>
public sealed class PhaseProfile : IDisposable
{
    [ThreadStatic]
    private static PhaseProfile? _active;
    private readonly Device _device;
    private readonly Dictionary<string, (int Calls, double Milliseconds)> _phases = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Stack<double> _childMilliseconds = new();

    private PhaseProfile(Device device) => _device = device;

    /// <summary>
    /// Starts profiling the phases this thread runs on <paramref name="device"/> until the returned profile is disposed;
    /// one profile at a time per thread.
    /// </summary>
    public static PhaseProfile Start(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_active is not null)
        {
            throw new InvalidOperationException("a phase profile is already running");
        }

        _active = new PhaseProfile(device);
        return _active;
    }

    /// <summary>The phases seen, in the order they first ran.</summary>
    public IReadOnlyList<PhaseTime> Phases => [.. _order.Select(name => new PhaseTime(name, _phases[name].Calls, _phases[name].Milliseconds))];

    /// <summary>Runs <paramref name="work"/> as <paramref name="phase"/> when a profile is active; otherwise just runs it.</summary>
    internal static Tensor Time(string phase, Func<Tensor> work)
    {
        var active = _active;
        if (active is null)
        {
            return work();
        }

        active.Synchronize();
        active._childMilliseconds.Push(0);
        var start = Stopwatch.GetTimestamp();
        Tensor result;
        try
        {
            result = work();
            active.Synchronize();
        }
        finally
        {
            double total = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            double own = total - active._childMilliseconds.Pop();
            if (active._childMilliseconds.Count > 0)
            {
                active._childMilliseconds.Push(active._childMilliseconds.Pop() + total);
            }

            active.Add(phase, own);
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (ReferenceEquals(_active, this))
        {
            _active = null;
        }
    }

    private void Add(string phase, double milliseconds)
    {
        if (!_phases.TryGetValue(phase, out var seen))
        {
            _order.Add(phase);
        }

        _phases[phase] = (seen.Calls + 1, seen.Milliseconds + milliseconds);
    }

    private void Synchronize()
    {
        if (_device.type == DeviceType.CUDA)
        {
            cuda.synchronize(_device);
        }
    }
}
