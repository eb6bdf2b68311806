namespace WmQuant.Training;

/// <summary>
/// Per-step seeds derived from the run seed alone, so that step n draws the same batch and dropout
/// masks whether the run got there directly or by resuming from a checkpoint.
/// </summary>
public static class TrainingSeeds
{
    /// <summary>Seed of the batch sampler of a step (a fixed mix, unlike HashCode, which changes per process).</summary>
    public static int Batch(int seed, TrainingPhase phase, int step) =>
        unchecked((int)Mix(((ulong)(uint)seed << 32) ^ ((ulong)phase << 28) ^ (uint)step));

    /// <summary>Seed of torch's generator (dropout) for a step.</summary>
    public static long Torch(int seed, TrainingPhase phase, int step) => seed + ((long)phase * 1_000_000_007L) + step;

    private static ulong Mix(ulong x)
    {
        // SplitMix64 finaliser: neighbouring steps get unrelated seeds.
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
