namespace WmQuant.Quantization.Primitives;

/// <summary>How activation ranges are found.</summary>
public enum ActivationGranularity
{
    /// <summary>One (min, max) for the whole tensor, fixed ahead of time from calibration data.</summary>
    PerTensorStatic,

    /// <summary>A (min, max) per token, over the hidden (last) dimension, computed at run time.</summary>
    PerTokenDynamic,
}
