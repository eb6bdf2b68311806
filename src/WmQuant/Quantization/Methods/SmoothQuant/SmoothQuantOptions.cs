using System.Globalization;
using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods.SmoothQuant;

/// <summary>
/// Settings of <see cref="SmoothQuantMethod"/>, with the reference implementation's defaults (mit-han-lab/smoothquant:
/// α = 0.5, norm-fed qkv and fc1 smoothed). Plain values with defaults (a registry binds them from recipe options);
/// <see cref="SmoothQuantMethod.Apply"/> answers out-of-range values with an
/// <see cref="QuantizationError.InvalidRequest"/> error instead of throwing.
/// </summary>
public sealed record SmoothQuantOptions
{
    /// <summary>
    /// Migration strength α in s_j = max|X_j|^α / max|W_j|^(1−α): 0 moves nothing into the activations' favour (s
    /// depends on the weights only), 1 flattens the activations entirely. 0 ≤ α ≤ 1, default 0.5 (the paper's choice
    /// for most models). Ignored when <see cref="AlphaSearch"/> is on.
    /// </summary>
    [MethodOption("Migration strength alpha in s = max|x|^alpha / max|w|^(1-alpha) (used unless alpha_search).", Min = 0, Max = 1)]
    public double Alpha { get; init; } = 0.5;

    /// <summary>
    /// Search α per smoothing group instead of using <see cref="Alpha"/>: α = i/<see cref="AlphaGrid"/> for
    /// i = 0..AlphaGrid, and no smoothing at all, each judged by the group's output error
    /// ‖XWᵀ − Q(X/s)·Q(W·diag s)ᵀ‖² on the calibration tokens with the plan's weight and input quantizers; the least
    /// wins (ties keep no smoothing, then the smaller α). Default false, as the reference.
    /// </summary>
    [MethodOption("Search alpha per layer group on the group's quantized output error (grid i/alpha_grid, plus no smoothing).")]
    public bool AlphaSearch { get; init; }

    /// <summary>Resolution of the α search: α = i/AlphaGrid for i = 0..AlphaGrid; at least 1, default 20 (steps of 0.05).</summary>
    [MethodOption("Alpha-search resolution: alpha = i/alpha_grid for i = 0..alpha_grid.", Min = 1, Max = 1000)]
    public int AlphaGrid { get; init; } = 20;

    /// <summary>Smooth the attention input: encoder norm1 → attn.qkv, predictor <c>0.norm → 0.to_qkv</c>. Default true.</summary>
    [MethodOption("Smooth the attention input: encoder norm1 -> attn.qkv, predictor layers.i.0.norm -> 0.to_qkv.")]
    public bool SmoothQkv { get; init; } = true;

    /// <summary>Smooth the MLP input: encoder norm2 → mlp.fc1, predictor <c>1.net.0 → 1.net.1</c>. Default true.</summary>
    [MethodOption("Smooth the MLP input: encoder norm2 -> mlp.fc1, predictor layers.i.1.net.0 -> 1.net.1.")]
    public bool SmoothFc1 { get; init; } = true;

    /// <summary>
    /// Also smooth the attention output projection's input through the value rows of the fused q/k/v projection
    /// (encoder attn.qkv value rows → attn.proj, predictor <c>0.to_qkv</c> value rows → <c>0.to_out.0</c>); attention
    /// mixes tokens, not channels, so the fold is exact. Not in the reference; default false.
    /// </summary>
    [MethodOption("Also smooth the attention output projection's input through the value rows of qkv (not in the reference).")]
    public bool SmoothProj { get; init; }

    /// <summary>Why these options cannot be used, or null when they can.</summary>
    internal string? Problem()
    {
        if (!double.IsFinite(Alpha) || Alpha is < 0 or > 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"smoothquant alpha must lie in [0, 1], got {Alpha}");
        }

        return AlphaGrid is < 1 or > 1000
            ? string.Create(CultureInfo.InvariantCulture, $"smoothquant alpha grid must lie in 1..1000, got {AlphaGrid}")
            : null;
    }

    /// <summary>Compact form for logs, e.g. "alpha 0.5, qkv+fc1".</summary>
    internal string Describe()
    {
        var sites = new[] { (SmoothQkv, "qkv"), (SmoothFc1, "fc1"), (SmoothProj, "proj") }.Where(s => s.Item1).Select(s => s.Item2);
        string alpha = AlphaSearch
            ? string.Create(CultureInfo.InvariantCulture, $"alpha searched (grid {AlphaGrid})")
            : string.Create(CultureInfo.InvariantCulture, $"alpha {Alpha}");
        return $"{alpha}, {string.Join("+", sites.DefaultIfEmpty("none"))}";
    }
}
