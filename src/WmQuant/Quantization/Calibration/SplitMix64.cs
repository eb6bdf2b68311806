namespace WmQuant.Quantization.Calibration;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny PRNG whose whole state is one 64-bit word, so calibration
/// statistics can be saved and resumed with the exact same future draws.
/// </summary>
internal sealed class SplitMix64(ulong state)
{
    /// <summary>The full generator state.</summary>
    public ulong State { get; private set; } = state;

    /// <summary>Next 64 random bits.</summary>
    public ulong Next()
    {
        State += 0x9E3779B97F4A7C15UL;
        ulong z = State;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A draw in [0, bound) by multiply-shift (bias below 2^−64·bound, irrelevant here).</summary>
    public ulong NextBelow(ulong bound) => (ulong)(((UInt128)Next() * bound) >> 64);

    /// <summary>A seed for one named stream: FNV-1a of the name mixed with the base seed, stable across runs and platforms.</summary>
    public static ulong StreamSeed(ulong seed, string name)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        return seed ^ hash;
    }
}
