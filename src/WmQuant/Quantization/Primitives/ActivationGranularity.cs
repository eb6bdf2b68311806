using System.Text.Json.Serialization;

namespace WmQuant.Quantization.Primitives;

/// <summary>How activation ranges are found; the names are the words recipes, manifests and reports use.</summary>
public enum ActivationGranularity
{
    /// <summary>One (min, max) for the whole tensor, fixed ahead of time from calibration data.</summary>
    [JsonStringEnumMemberName("per-tensor")]
    PerTensorStatic,

    /// <summary>A (min, max) per token, over the hidden (last) dimension, computed at run time.</summary>
    [JsonStringEnumMemberName("per-token")]
    PerTokenDynamic,
}
