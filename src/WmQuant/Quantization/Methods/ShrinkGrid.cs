using System.Globalization;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// The clipping ratios a range search tries: Start − Step·i for i &lt; Count. The default (1 − 0.01·i, i &lt; 90,
/// i.e. 1.00 down to 0.11) starts at 1, so plain RTN is always a candidate and a search never does worse.
/// </summary>
/// <param name="Start">First (largest) ratio.</param>
/// <param name="Step">Decrement between ratios.</param>
/// <param name="Count">Number of ratios.</param>
public sealed record ShrinkGrid(double Start = 1.0, double Step = 0.01, int Count = 90)
{
    /// <summary>The grid recorded by default in artifact metadata.</summary>
    public static ShrinkGrid Default { get; } = new();

    /// <summary>
    /// A grid of <paramref name="candidates"/> ratios from 1 down to 0.11 (the default's span), so a recipe's
    /// "candidates" count maps onto the study's grid; 90 gives exactly <see cref="Default"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 candidates.</exception>
    public static ShrinkGrid WithCandidates(int candidates)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 2);
        return candidates == Default.Count ? Default : new ShrinkGrid(1.0, 0.89 / (candidates - 1), candidates);
    }

    /// <summary>The ratios as float32 values, in search order; every one must lie in (0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The grid leaves (0, 1] or is empty (a programming error).</exception>
    public float[] Ratios()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Count, 1, nameof(Count));
        var ratios = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            double ratio = Start - (Step * i);
            ratios[i] = ratio is > 0 and <= 1
                ? (float)ratio
                : throw new ArgumentOutOfRangeException(nameof(Start), ratio, "Every shrink ratio must lie in (0, 1].");
        }

        return ratios;
    }

    /// <summary>The grid as a formula, for reports and metadata, e.g. "1 - 0.01*i, i &lt; 90".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Start} - {Step}*i, i < {Count}");
}
