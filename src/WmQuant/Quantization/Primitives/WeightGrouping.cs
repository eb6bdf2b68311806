using static TorchSharp.torch;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// Views a weight [N, K] as [R, C, L] (rows × groups × elements per group) so every granularity reduces
/// over the last dimension. A partial last group is padded with zeros, which never changes a range
/// (ranges include zero) and always quantizes back to exactly zero; the padding is cut off again on return.
/// </summary>
internal static class WeightGrouping
{
    /// <summary>Shape of the scale tensor for a weight [rows, columns].</summary>
    public static long[] ScaleShape(long rows, long columns, WeightQuantConfig config) => config.Granularity switch
    {
        WeightGranularity.PerTensor => [1, 1],
        WeightGranularity.PerChannel => [rows, 1],
        _ => [rows, config.GroupsPerRow(columns)],
    };

    /// <summary>The weight as [R, C, L], zero padded where the last group is partial.</summary>
    public static Tensor Group(Tensor weight, WeightQuantConfig config)
    {
        long rows = weight.shape[0];
        long columns = weight.shape[1];
        switch (config.Granularity)
        {
            case WeightGranularity.PerTensor:
                return weight.reshape(1, 1, rows * columns);
            case WeightGranularity.PerChannel:
                return weight.reshape(rows, 1, columns);
            default:
                long groups = config.GroupsPerRow(columns);
                long padded = groups * config.GroupSize;
                var full = padded == columns ? weight : nn.functional.pad(weight, [0, padded - columns]);
                return full.reshape(rows, groups, config.GroupSize);
        }
    }

    /// <summary>Inverse of <see cref="Group"/>: back to [rows, columns], padding removed.</summary>
    public static Tensor Ungroup(Tensor grouped, long rows, long columns)
    {
        var flat = grouped.reshape(rows, -1);
        return flat.shape[1] == columns ? flat : flat.narrow(1, 0, columns);
    }
}
