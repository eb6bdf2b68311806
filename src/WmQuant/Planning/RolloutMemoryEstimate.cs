using WmQuant.Models.Config;
using static TorchSharp.torch;

namespace WmQuant.Planning;

/// <summary>
/// How much memory one rollout row (one candidate action sequence of one episode) needs when a planner calls
/// <see cref="ILatentWorldModel.PredictFinal"/>, and so how many rows one call may take. Planners batch episodes ×
/// samples into one call (50 × 300 = 15,000 rows by default), which the small reference models take in a couple of
/// gigabytes but the full-size DINO-WM (ViT-S/14, 588 window tokens) would need about 700 GB for: libtorch then fails
/// to allocate. Rows are independent (<see cref="ILatentWorldModel"/>), so splitting them into calls changes nothing
/// but the batch shape.
/// </summary>
public static class RolloutMemoryEstimate
{
    /// <summary>
    /// Peak bytes of one row over its largest single activation. Measured on the CPU (fp32, <c>wmq bench plan</c>,
    /// growth of peak RSS per added row, 10 to 15,000 rows): reference-wall 120-149 KB against a 24.6 KB largest
    /// activation (4.9-6.1×), reference-pusht 375-425 KB against 73.7 KB (5.1-5.8×), dinov2-vits14 41-53 MB against
    /// 7.2 MB (5.7-7.3×; the incremental and the full masked predictor pass alike). Besides the widest projection output a row holds the qkv split
    /// and attention output, the MLP's hidden pair, the residual stream, the key/value cache of the frames already
    /// predicted and the rollout's frames; 6 covers the typical case, and <see cref="MemoryShare"/> the rest.
    /// </summary>
    public const int SafetyFactor = 6;

    /// <summary>
    /// Share of the available memory one call may be estimated to use: the estimate's spread above (up to 7.3/6 of it),
    /// the weights, allocator fragmentation and whatever else the process holds must fit in the other half.
    /// </summary>
    public const double MemoryShare = 0.5;

    /// <summary>Estimated peak bytes of one row through a model of <paramref name="config"/> whose tensors are <paramref name="dtype"/>.</summary>
    public static long BytesPerRow(WorldModelConfig config, ScalarType dtype) => BytesPerRow(config, ElementSize(dtype));

    /// <summary>
    /// Window frames × tokens per frame × the widest predictor layer output (qkv = 3·heads·dim_head, the MLP's hidden
    /// width, or the token itself) × <paramref name="elementSize"/> × <see cref="SafetyFactor"/>. Only the predictor
    /// counts: <see cref="ILatentWorldModel.PredictFinal"/> starts from latents, the encoder runs once per episode.
    /// Computed in floating point, so a hostile config saturates at <see cref="long.MaxValue"/> instead of overflowing.
    /// </summary>
    public static long BytesPerRow(WorldModelConfig config, int elementSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(elementSize);
        double window = (double)Math.Max(config.NumHist, 1) * config.PatchesPerFrame;
        double qkv = 3.0 * config.Predictor.Heads * config.Predictor.DimHead;
        double widest = Math.Max(qkv, Math.Max(config.Predictor.MlpDim, config.TokenDim));
        double bytes = Math.Ceiling(window * widest * elementSize * SafetyFactor);
        return bytes >= long.MaxValue ? long.MaxValue : Math.Max(1, (long)bytes);
    }

    /// <summary>
    /// Rows per model call for <paramref name="rows"/> rows of <paramref name="bytesPerRow"/> each: all of them when
    /// they fit in <see cref="MemoryShare"/> of <paramref name="availableBytes"/> (so results stay those of one call
    /// wherever memory allows), else the fewest calls that fit, made equal in size (15,000 rows that fit 14,000 at a
    /// time go as 2 × 7,500, not 14,000 + 1,000); never 0. Unknown sizes (0 or null) give all rows, as before chunking
    /// existed.
    /// </summary>
    public static long RowsPerCall(long rows, long bytesPerRow, long? availableBytes)
    {
        if (rows <= 1 || bytesPerRow <= 0 || availableBytes is not > 0)
        {
            return Math.Max(rows, 1);
        }

        double fitting = Math.Floor(availableBytes.Value * MemoryShare / bytesPerRow);
        if (fitting >= rows)
        {
            return rows;
        }

        long fit = Math.Max(1, (long)fitting);
        long calls = (rows + fit - 1) / fit;
        return (rows + calls - 1) / calls;
    }

    /// <summary>Bytes of one element of <paramref name="dtype"/> (4 for anything unusual: planning runs in float32, bfloat16 or float16).</summary>
    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        _ => 4,
    };
}
