namespace WmQuant.Environments;

/// <summary>Standard normal samples from a seeded <see cref="Random"/> (Box–Muller), so noise is reproducible.</summary>
public static class Gaussian
{
    /// <summary>One N(0, 1) sample drawn from <paramref name="random"/>.</summary>
    public static double Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u1 = 1.0 - random.NextDouble(); // (0, 1]: keeps the logarithm finite
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
