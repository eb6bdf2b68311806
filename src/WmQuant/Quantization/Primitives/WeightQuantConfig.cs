namespace WmQuant.Quantization.Primitives;

/// <summary>
/// How one Linear's weight is quantized. Invalid values throw: recipes validate user input before
/// building one, so a bad value here is a programming error.
/// </summary>
public sealed record WeightQuantConfig
{
    /// <summary>Marker bit width meaning "leave the weight in floating point".</summary>
    public const int BypassBits = 16;

    private readonly int bits;
    private readonly int groupSize;

    /// <summary>Creates a validated configuration.</summary>
    /// <param name="bits">2..8, or 16 for bypass (identity).</param>
    /// <param name="granularity">Which weights share a scale.</param>
    /// <param name="groupSize">Inputs per group (per-group only, at least 1).</param>
    /// <param name="symmetric">Signed codes without zero point (true) or unsigned codes with a zero point.</param>
    /// <param name="scaleStorage">Precision the scales are rounded to and stored in.</param>
    public WeightQuantConfig(int bits, WeightGranularity granularity, int groupSize = 128, bool symmetric = true, ScaleStorage scaleStorage = ScaleStorage.Float16)
    {
        Bits = bits;
        Granularity = granularity;
        GroupSize = groupSize;
        Symmetric = symmetric;
        ScaleStorage = scaleStorage;
    }

    /// <summary>Bits per code: 2..8, or <see cref="BypassBits"/>.</summary>
    public int Bits
    {
        get => bits;
        init => bits = value is (>= 2 and <= 8) or BypassBits
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Bits), value, "Weight bits must be 2..8, or 16 for bypass.");
    }

    /// <summary>Which weights share a scale.</summary>
    public WeightGranularity Granularity { get; init; }

    /// <summary>Inputs per group along K; only used for <see cref="WeightGranularity.PerGroup"/>.</summary>
    public int GroupSize
    {
        get => groupSize;
        init => groupSize = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(GroupSize), value, "Group size must be at least 1.");
    }

    /// <summary>Signed codes ±(2^(b−1)−1) around zero (true) or unsigned 0..2^b−1 codes with a zero point.</summary>
    public bool Symmetric { get; init; }

    /// <summary>Precision of the stored (and used) scales.</summary>
    public ScaleStorage ScaleStorage { get; init; }

    /// <summary>True when the weight stays in floating point.</summary>
    public bool IsBypass => Bits == BypassBits;

    /// <summary>Largest code: 2^(b−1)−1 symmetric, 2^b−1 asymmetric.</summary>
    public int MaxCode => Symmetric ? (1 << (Bits - 1)) - 1 : (1 << Bits) - 1;

    /// <summary>Smallest code: −(2^(b−1)−1) symmetric (the −2^(b−1) code is unused), 0 asymmetric.</summary>
    public int MinCode => Symmetric ? -MaxCode : 0;

    /// <summary>Number of scale groups a row of <paramref name="columns"/> inputs has.</summary>
    public long GroupsPerRow(long columns) => Granularity == WeightGranularity.PerGroup ? (columns + GroupSize - 1) / GroupSize : 1;

    /// <summary>Short human-readable form for logs and reports, e.g. "W4 g128 sym".</summary>
    public override string ToString()
    {
        if (IsBypass)
        {
            return "W16 (bypass)";
        }

        string granularity = Granularity switch
        {
            WeightGranularity.PerTensor => "per-tensor",
            WeightGranularity.PerChannel => "per-channel",
            _ => FormattableString.Invariant($"g{GroupSize}"),
        };
        return FormattableString.Invariant($"W{Bits} {granularity} {(Symmetric ? "sym" : "asym")} scales {ScaleStorage}");
    }
}
