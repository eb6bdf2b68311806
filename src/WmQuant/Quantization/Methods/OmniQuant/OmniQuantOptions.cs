using System.Globalization;
using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.OmniQuant;

/// <summary>
/// Settings of <see cref="OmniQuantMethod"/>, with the defaults of the reference implementation (OpenGVLab/OmniQuant:
/// 20 epochs, 128 samples, batch 1, AdamW with weight decay 0, LWC lr 1e-2 and init 4, LET lr 5e-3 initialised from
/// SmoothQuant with α 0.5). Plain values with defaults (a registry binds them from recipe options);
/// <see cref="OmniQuantMethod.Apply"/> answers out-of-range values with an <see cref="QuantizationError.InvalidRequest"/>
/// error instead of throwing. On a CPU, fewer <see cref="Epochs"/> (e.g. 5) and <see cref="Samples"/> (e.g. 32) cut the
/// optimisation time proportionally.
/// </summary>
public sealed record OmniQuantOptions
{
    /// <summary>Passes over the block's calibration sequences per block (upstream <c>epochs</c>); 0 quantizes at the initialisation. Default 20.</summary>
    [MethodOption("Passes over the calibration sequences per block (0: no training, quantize at the initialisation).", Min = 0, Max = 10000)]
    public int Epochs { get; init; } = 20;

    /// <summary>
    /// Input sequences each block is optimised on (upstream <c>nsamples</c>), for the encoder and for the predictor:
    /// calibration keeps up to this many sequences of the first encoder block's input and of the first predictor layer's
    /// input per window length, and the predictor's are split over window lengths in proportion to how often the
    /// planner used each; every block trains on them as the blocks before it transform them. Default 128.
    /// </summary>
    [MethodOption("Calibration sequences the encoder blocks and the predictor layers are each optimised on (upstream nsamples).", Min = 1, Max = 65536)]
    public int Samples { get; init; } = 128;

    /// <summary>Sequences per optimisation step (upstream <c>batch_size</c>); default 1.</summary>
    [MethodOption("Sequences per optimisation step.", Min = 1, Max = 65536)]
    public int BatchSize { get; init; } = 1;

    /// <summary>Learnable weight clipping on (upstream <c>--lwc</c>); default true.</summary>
    [MethodOption("Learnable weight clipping: clip bounds sigmoid(u)*max, sigmoid(l)*min per channel/group, learned.")]
    public bool Lwc { get; init; } = true;

    /// <summary>Initial u and l of LWC (upstream <c>lwc init_value</c> 4: σ(4) ≈ 0.982 of the range).</summary>
    [MethodOption("Initial u and l of the clip bounds (sigmoid(4) = 0.982 of the range).", Min = -20, Max = 20)]
    public double LwcInit { get; init; } = 4;

    /// <summary>AdamW learning rate of the LWC parameters (upstream <c>lwc_lr</c>); default 1e-2.</summary>
    [MethodOption("AdamW learning rate of the clip parameters.", Min = 0, Max = 10, MinExclusive = true)]
    public double LwcLearningRate { get; init; } = 1e-2;

    /// <summary>
    /// Learnable equivalent transformation on (upstream <c>--let</c>): per-channel scale (and shift) on norm → qkv,
    /// norm → fc1 and, with <see cref="LetProj"/>, value rows → proj, folded into the norms and Linears. Default true.
    /// </summary>
    [MethodOption("Learnable equivalent transformation: per-channel scale (and shift) on norm->qkv, norm->fc1 (and v->proj), folded.")]
    public bool Let { get; init; } = true;

    /// <summary>Also transform the attention output projection's input through the value rows (upstream's out smoothing). Default true.</summary>
    [MethodOption("Include the value rows -> attention output projection pair in LET.")]
    public bool LetProj { get; init; } = true;

    /// <summary>
    /// Learn a per-channel shift as well as the scale where the plan quantizes the group's inputs and a bias can absorb
    /// it (not the predictor's bias-free to_qkv); weight-only plans never shift (upstream). Default true.
    /// </summary>
    [MethodOption("Learn a per-channel shift too (only with quantized activations and where a bias absorbs it).")]
    public bool LetShift { get; init; } = true;

    /// <summary>AdamW learning rate of the LET parameters (upstream <c>let_lr</c>); default 5e-3.</summary>
    [MethodOption("AdamW learning rate of the equivalent-transformation parameters.", Min = 0, Max = 10, MinExclusive = true)]
    public double LetLearningRate { get; init; } = 5e-3;

    /// <summary>Migration strength α of LET's SmoothQuant initialisation (upstream <c>alpha</c>); default 0.5.</summary>
    [MethodOption("Migration strength alpha of the SmoothQuant initialisation of LET's scales.", Min = 0, Max = 1)]
    public double Alpha { get; init; } = 0.5;

    /// <summary>AdamW weight decay (upstream <c>wd</c>); default 0.</summary>
    [MethodOption("AdamW weight decay.", Min = 0, Max = 1)]
    public double WeightDecay { get; init; }

    /// <summary>Why these options cannot be used, or null when they can.</summary>
    internal string? Problem()
    {
        string? Outside(string name, double value, double min, double max, bool minExclusive = false) =>
            !double.IsFinite(value) || value > max || (minExclusive ? value <= min : value < min)
                ? string.Create(CultureInfo.InvariantCulture, $"omniquant {name} must lie in {(minExclusive ? "(" : "[")}{min}, {max}], got {value}")
                : null;
        return Outside("epochs", Epochs, 0, 10000)
            ?? Outside("samples", Samples, 1, 65536)
            ?? Outside("batch size", BatchSize, 1, 65536)
            ?? Outside("lwc init", LwcInit, -20, 20)
            ?? Outside("lwc learning rate", LwcLearningRate, 0, 10, minExclusive: true)
            ?? Outside("let learning rate", LetLearningRate, 0, 10, minExclusive: true)
            ?? Outside("alpha", Alpha, 0, 1)
            ?? Outside("weight decay", WeightDecay, 0, 1);
    }

    /// <summary>Compact form for logs, e.g. "lwc+let, 20 epochs, 128 samples".</summary>
    internal string Describe()
    {
        string parts = string.Join("+", new[] { (Lwc, "lwc"), (Let, "let") }.Where(p => p.Item1).Select(p => p.Item2).DefaultIfEmpty("rtn"));
        return string.Create(CultureInfo.InvariantCulture, $"{parts}, {Epochs} epochs, {Samples} samples, batch {BatchSize}");
    }
}
