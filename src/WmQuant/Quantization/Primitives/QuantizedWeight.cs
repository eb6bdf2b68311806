using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// A Linear weight [N, K] as integer codes plus the scales (and zero points) that give them values.
/// Owns its tensors; dispose it (or let a dispose scope do so) when done.
/// </summary>
/// <remarks>
/// Scale shapes: per-tensor [1, 1], per-channel [N, 1], per-group [N, ceil(K/G)], where group j of a row
/// covers inputs [j·G, min((j+1)·G, K)). Scales are float32 tensors holding values exactly representable in
/// <see cref="WeightQuantConfig.ScaleStorage"/>.
/// </remarks>
public sealed class QuantizedWeight : IDisposable
{
    /// <summary>Wraps already computed tensors; shapes are checked because a mismatch is a bug upstream.</summary>
    /// <param name="codes">int32 [N, K]: signed −qmax..qmax when symmetric, 0..2^b−1 when asymmetric.</param>
    /// <param name="scales">float32 scales, shape as described on the type.</param>
    /// <param name="zeroPoints">int32 zero points, same shape as scales; null when symmetric.</param>
    /// <param name="config">The configuration the codes were made with.</param>
    /// <param name="weightDtype">Floating dtype dequantization returns by default (the source weight's).</param>
    public QuantizedWeight(Tensor codes, Tensor scales, Tensor? zeroPoints, WeightQuantConfig config, ScalarType weightDtype)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            throw new ArgumentException("A bypass (16-bit) configuration has no codes.", nameof(config));
        }

        if (codes.dim() != 2 || codes.dtype != ScalarType.Int32)
        {
            throw new ArgumentException($"Codes must be int32 [N, K], got {codes.dtype} [{string.Join(", ", codes.shape)}].", nameof(codes));
        }

        long rows = codes.shape[0];
        long columns = codes.shape[1];
        long[] expected = WeightGrouping.ScaleShape(rows, columns, config);
        if (!scales.shape.SequenceEqual(expected) || scales.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"Scales must be float32 [{string.Join(", ", expected)}], got {scales.dtype} [{string.Join(", ", scales.shape)}].", nameof(scales));
        }

        if (config.Symmetric != zeroPoints is null)
        {
            throw new ArgumentException("Zero points are required exactly when the configuration is asymmetric.", nameof(zeroPoints));
        }

        if (zeroPoints is not null && (!zeroPoints.shape.SequenceEqual(expected) || zeroPoints.dtype != ScalarType.Int32))
        {
            throw new ArgumentException($"Zero points must be int32 [{string.Join(", ", expected)}].", nameof(zeroPoints));
        }

        Codes = codes;
        Scales = scales;
        ZeroPoints = zeroPoints;
        Config = config;
        WeightDtype = weightDtype;
    }

    /// <summary>int32 [N, K] codes.</summary>
    public Tensor Codes { get; }

    /// <summary>float32 scales ([1,1], [N,1] or [N, groups]).</summary>
    public Tensor Scales { get; }

    /// <summary>int32 zero points shaped like <see cref="Scales"/>; null when symmetric.</summary>
    public Tensor? ZeroPoints { get; }

    /// <summary>The configuration the codes were made with.</summary>
    public WeightQuantConfig Config { get; }

    /// <summary>Floating dtype <see cref="WeightQuantizer.Dequantize"/> returns by default.</summary>
    public ScalarType WeightDtype { get; }

    /// <summary>N, the number of output channels.</summary>
    public long Rows => Codes.shape[0];

    /// <summary>K, the number of inputs.</summary>
    public long Columns => Codes.shape[1];

    /// <summary>Moves all tensors to the enclosing dispose scope, for returning from inside one.</summary>
    public QuantizedWeight MoveToOuterDisposeScope()
    {
        Codes.MoveToOuterDisposeScope();
        Scales.MoveToOuterDisposeScope();
        ZeroPoints?.MoveToOuterDisposeScope();
        return this;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Codes.Dispose();
        Scales.Dispose();
        ZeroPoints?.Dispose();
    }
}
