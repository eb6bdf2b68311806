using System.Text.Json.Serialization;

namespace WmQuant.Quantization.Primitives;

/// <summary>
/// Which weights share one scale (and zero point). The names are compressed-tensors' strategies and the words recipes,
/// <c>wmq eval --granularity</c>, manifests and reports use.
/// </summary>
public enum WeightGranularity
{
    /// <summary>One scale for the whole matrix: cheapest, most sensitive to outliers.</summary>
    [JsonStringEnumMemberName("tensor")]
    PerTensor,

    /// <summary>One scale per output row [N, 1]: the study's "per-channel".</summary>
    [JsonStringEnumMemberName("channel")]
    PerChannel,

    /// <summary>One scale per run of <see cref="WeightQuantConfig.GroupSize"/> inputs of a row [N, ceil(K/G)]; the last group of a row may be partial.</summary>
    [JsonStringEnumMemberName("group")]
    PerGroup,
}
