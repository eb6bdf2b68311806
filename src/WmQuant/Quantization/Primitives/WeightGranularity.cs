namespace WmQuant.Quantization.Primitives;

/// <summary>Which weights share one scale (and zero point).</summary>
public enum WeightGranularity
{
    /// <summary>One scale for the whole matrix: cheapest, most sensitive to outliers.</summary>
    PerTensor,

    /// <summary>One scale per output row [N, 1]: the study's "per-channel".</summary>
    PerChannel,

    /// <summary>One scale per run of <see cref="WeightQuantConfig.GroupSize"/> inputs of a row [N, ceil(K/G)]; the last group of a row may be partial.</summary>
    PerGroup,
}
