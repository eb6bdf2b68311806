using System.Globalization;
using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.Awq;

/// <summary>
/// Settings of <see cref="AwqMethod"/>, with llm-awq's defaults (DESIGN §7). Plain values with defaults (a registry
/// binds them from recipe options); <see cref="AwqMethod.Apply"/> answers out-of-range values with an
/// <see cref="QuantizationError.InvalidRequest"/> error instead of throwing.
/// </summary>
public sealed record AwqOptions
{
    /// <summary>
    /// Scale-search resolution: the exponents tried are r = i/Grid for i &lt; Grid (0, 0.05, …, 0.95 by default);
    /// at least 1. r = 0 gives s = 1, i.e. plain quantization, so without <see cref="DuoScaling"/> the search never
    /// does worse than no scaling on the calibration tokens. Default 20.
    /// </summary>
    [MethodOption("Points of the scale-exponent grid: r = i/grid for i < grid (0, 0.05, ..., 0.95 by default).", Min = 1, Max = 1000)]
    public int Grid { get; init; } = 20;

    /// <summary>
    /// AutoAWQ's "duo scaling": s = x̄^r / w̄^(1−r), with w̄ the mean over output rows of |W| normalised by its
    /// scale group's max, instead of llm-awq's s = x̄^r. Default false.
    /// </summary>
    [MethodOption("AutoAWQ's duo scaling: s = mean|x|^r / mean|w|^(1-r) instead of llm-awq's s = mean|x|^r.")]
    public bool DuoScaling { get; init; }

    /// <summary>After scaling, search a clipping ratio per scale group (per row, or per group of a row) on the
    /// output error of the group's contribution, as llm-awq's auto_clip. Default true.</summary>
    [MethodOption("After scaling, search a clipping ratio per channel/group on the output error (llm-awq's auto_clip).")]
    public bool ClipSearch { get; init; } = true;

    /// <summary>Clip-search resolution: the ratios tried are 1 − i/ClipGrid; at least 1. Default 20.</summary>
    [MethodOption("Clip-search resolution: ratios tried are 1 - i/clip_grid.", Min = 1, Max = 1000)]
    public int ClipGrid { get; init; } = 20;

    /// <summary>
    /// Clip ratios tried: i &lt; MaxShrinkSteps, so the smallest is 1 − (MaxShrinkSteps − 1)/ClipGrid; 1 … ClipGrid.
    /// Default 10, i.e. 1.00 down to 0.55 (llm-awq's max_shrink 0.5 with n_grid 20).
    /// </summary>
    [MethodOption("Clip ratios tried: i < max_shrink_steps (at most clip_grid); the default 10 tries 1.00 down to 0.55.", Min = 1, Max = 1000)]
    public int MaxShrinkSteps { get; init; } = 10;

    /// <summary>The clip ratios as a grid (1 − i/ClipGrid, i &lt; MaxShrinkSteps).</summary>
    internal ShrinkGrid ClipRatios => new(1.0, 1.0 / ClipGrid, MaxShrinkSteps);

    /// <summary>Why these options cannot be used, or null when they can.</summary>
    internal string? Problem()
    {
        if (Grid < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"awq grid must be at least 1, got {Grid}");
        }

        if (ClipGrid < 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"awq clip grid must be at least 1, got {ClipGrid}");
        }

        return MaxShrinkSteps < 1 || MaxShrinkSteps > ClipGrid
            ? string.Create(
                CultureInfo.InvariantCulture, $"awq max shrink steps must lie in 1..clip grid ({ClipGrid}), got {MaxShrinkSteps}")
            : null;
    }
}
