namespace WmQuant.Quantization.Primitives;

/// <summary>How the activations entering a Linear are fake-quantized. Invalid values throw (programming error).</summary>
public sealed record ActivationQuantConfig
{
    private readonly int bits;

    /// <summary>Creates a validated configuration.</summary>
    /// <param name="bits">2..8, or 16 for bypass (identity).</param>
    /// <param name="granularity">Static per-tensor ranges or dynamic per-token ranges.</param>
    /// <param name="symmetric">Signed codes around zero, or (default, as in the study) unsigned codes with a zero point.</param>
    public ActivationQuantConfig(int bits, ActivationGranularity granularity, bool symmetric = false)
    {
        Bits = bits;
        Granularity = granularity;
        Symmetric = symmetric;
    }

    /// <summary>Bits per code: 2..8, or 16 for bypass.</summary>
    public int Bits
    {
        get => bits;
        init => bits = value is (>= 2 and <= 8) or WeightQuantConfig.BypassBits
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Bits), value, "Activation bits must be 2..8, or 16 for bypass.");
    }

    /// <summary>Static per-tensor or dynamic per-token ranges.</summary>
    public ActivationGranularity Granularity { get; init; }

    /// <summary>Signed codes around zero (true) or unsigned codes with a zero point.</summary>
    public bool Symmetric { get; init; }

    /// <summary>True when activations stay in floating point.</summary>
    public bool IsBypass => Bits == WeightQuantConfig.BypassBits;

    /// <summary>Largest code.</summary>
    public int MaxCode => Symmetric ? (1 << (Bits - 1)) - 1 : (1 << Bits) - 1;

    /// <summary>Smallest code.</summary>
    public int MinCode => Symmetric ? -MaxCode : 0;

    /// <summary>Short human-readable form for logs and reports, e.g. "A8 per-token asym".</summary>
    public override string ToString() => IsBypass
        ? "A16 (bypass)"
        : FormattableString.Invariant($"A{Bits} {(Granularity == ActivationGranularity.PerTokenDynamic ? "per-token" : "per-tensor")} {(Symmetric ? "sym" : "asym")}");
}
