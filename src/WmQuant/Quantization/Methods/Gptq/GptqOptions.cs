using System.Globalization;
using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.Gptq;

/// <summary>
/// Settings of <see cref="GptqMethod"/>, with the GPTQ reference implementation's defaults. Plain values with
/// defaults (a registry binds them from recipe options); <see cref="GptqMethod.Apply"/> answers out-of-range values
/// with an <see cref="QuantizationError.InvalidRequest"/> error instead of throwing.
/// </summary>
public sealed record GptqOptions
{
    /// <summary>
    /// Dampening added to the Hessian's diagonal, as a fraction of its mean diagonal (upstream <c>percdamp</c>):
    /// 0 ≤ Damp ≤ 1, default 0.01. Should the damped Hessian still not be positive definite (e.g. 0 with fewer
    /// calibration tokens than inputs), the dampening is raised tenfold, from at least 1e-4, until it is.
    /// </summary>
    [MethodOption("Hessian dampening as a fraction of its mean diagonal (upstream percdamp).", Min = 0, Max = 1)]
    public double Damp { get; init; } = 0.01;

    /// <summary>
    /// Columns quantized one by one before the rest of the row gets their error in one lazy batch update
    /// (upstream <c>blocksize</c>): at least 1, default 128. Only speed depends on it, except that with per-group
    /// scales and no act-order a block is widened to a multiple of the group size, so every group's scale comes
    /// from its columns as updated by all earlier columns' errors.
    /// </summary>
    [MethodOption("Columns quantized one by one before a lazy batch update of the rest (speed only).", Min = 1, Max = 65536)]
    public int BlockSize { get; init; } = 128;

    /// <summary>
    /// Quantize columns in order of decreasing Hessian diagonal (upstream <c>act_order</c> / <c>desc_act</c>),
    /// default false. Group scales are then fixed beforehand from the weight's contiguous groups (upstream
    /// <c>static_groups</c>), so the codes keep the standard packed layout and no permutation is stored.
    /// </summary>
    [MethodOption("Quantize columns in order of decreasing Hessian diagonal; group scales stay on the standard contiguous groups.")]
    public bool ActOrder { get; init; }

    /// <summary>Why these options cannot be used, or null when they can.</summary>
    internal string? Problem()
    {
        if (!double.IsFinite(Damp) || Damp is < 0 or > 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"gptq damp must lie in [0, 1], got {Damp}");
        }

        return BlockSize < 1 ? string.Create(CultureInfo.InvariantCulture, $"gptq block size must be at least 1, got {BlockSize}") : null;
    }

    /// <summary>Compact form for logs, e.g. "damp 0.01, block 128, act-order".</summary>
    internal string Describe() =>
        string.Create(CultureInfo.InvariantCulture, $"damp {Damp}, block {BlockSize}{(ActOrder ? ", act-order" : string.Empty)}");
}
