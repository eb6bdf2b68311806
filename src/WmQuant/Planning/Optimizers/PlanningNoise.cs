using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Planning.Optimizers;

/// <summary>
/// Seeded noise for planners. Each episode gets its own generator, seeded from the run seed, the
/// episode seed and the MPC iteration, so an episode's samples are the same whether it is planned
/// alone or with others. Noise is drawn on the CPU in float32 and then moved, which also makes it
/// identical across devices.
/// </summary>
public static class PlanningNoise
{
    /// <summary>Derives the generator seed of one episode's plan (SplitMix64 mixing of the three inputs).</summary>
    public static long StreamSeed(long runSeed, int episodeSeed, int iteration)
    {
        ulong x = Mix((ulong)runSeed);
        x = Mix(x ^ (uint)episodeSeed);
        x = Mix(x ^ ((ulong)(uint)iteration << 32));
        return (long)(x & 0x7FFF_FFFF_FFFF_FFFFUL);
    }

    /// <summary>Creates one CPU generator per seed; the caller disposes them.</summary>
    public static torch.Generator[] Generators(IReadOnlyList<long> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        return seeds.Select(s => new torch.Generator((ulong)s, CPU)).ToArray();
    }

    /// <summary>
    /// Standard normal noise [E, rows, H, A], row block e drawn from generator e, in the given
    /// dtype and device.
    /// </summary>
    public static Tensor Draw(torch.Generator[] generators, long rows, long horizon, long actionDim, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(generators);
        using var scope = NewDisposeScope();
        var parts = generators.Select(g => randn([rows, horizon, actionDim], ScalarType.Float32, CPU, generator: g)).ToList();
        var noise = stack(parts, 0).to(dtype, device);
        return noise.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The noise of <paramref name="steps"/> consecutive <see cref="Draw"/> calls, [steps, E, rows, H, A], drawn on the
    /// CPU in the same order (step by step, generator by generator), so the values are those of drawing per step, and
    /// moved to <paramref name="device"/> in one copy.
    /// </summary>
    public static Tensor DrawSteps(torch.Generator[] generators, int steps, long rows, long horizon, long actionDim, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(generators);
        using var scope = NewDisposeScope();
        var perStep = Enumerable.Range(0, steps)
            .Select(_ => stack(generators.Select(g => randn([rows, horizon, actionDim], ScalarType.Float32, CPU, generator: g)).ToList(), 0))
            .ToList();
        return stack(perStep, 0).to(dtype, device).MoveToOuterDisposeScope();
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
