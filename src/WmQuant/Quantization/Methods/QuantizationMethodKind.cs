namespace WmQuant.Quantization.Methods;

/// <summary>The methods a recipe can name; <see cref="QuantizationMethodCatalog"/> says which are implemented.</summary>
public enum QuantizationMethodKind
{
    /// <summary>Round to nearest (weights), min/max ranges (static activations).</summary>
    Rtn,

    /// <summary>Range shrink search minimising the quantization MSE (weights per scale group, static activations on calibration tokens).</summary>
    Omse,

    /// <summary>Activation-aware weight scaling (not implemented yet).</summary>
    Awq,

    /// <summary>Difficulty migration from activations to weights (not implemented yet).</summary>
    SmoothQuant,

    /// <summary>Learned clipping and equivalent transformations (not implemented yet).</summary>
    OmniQuant,

    /// <summary>Hessian-based error feedback (not implemented yet).</summary>
    Gptq,
}
