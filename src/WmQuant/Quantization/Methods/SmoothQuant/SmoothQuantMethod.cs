using System.Globalization;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.SmoothQuant;

/// <summary>
/// SmoothQuant (Xiao et al., 2023) for weights and activations together, as DESIGN §7 describes it for DINO-WM:
/// <list type="number">
/// <item>For each smoothing group whose Linears the plan all quantizes (weights or inputs) — by default norm1 → attn.qkv
/// and norm2 → mlp.fc1 of every encoder block and <c>0.norm → 0.to_qkv</c>, <c>1.net.0 → 1.net.1</c> of every predictor
/// layer (<see cref="SmoothQuantOptions.SmoothQkv"/>, <see cref="SmoothQuantOptions.SmoothFc1"/>; optionally the value
/// rows → output projection, <see cref="SmoothQuantOptions.SmoothProj"/>) — the migration scales
/// s_j = max|X_j|^α / max|W_j|^(1−α) (<see cref="SmoothedLayers.MigrationScales"/>; α fixed or searched on the group's
/// quantized output error) are folded: the norm's γ and β (or the value rows) divided by s, the Linears' columns
/// multiplied by s. The model's function is unchanged up to float rounding.</item>
/// <item>Every quantized layer's weight is then rounded to nearest in the folded basis, and its input quantized as the
/// plan says: dynamic per token, or static per tensor with the range recomputed for the folded input X/s from the
/// per-channel extremes recorded before the fold (<see cref="ChannelTransform.InputRange"/>: exactly the min/max of X/s
/// over every calibration token).</item>
/// </list>
/// Layers outside every smoothed group (fc2 / <c>1.net.4</c>, which read GELU outputs, the step embeddings, and groups
/// feeding a float Linear) are quantized exactly as RTN quantizes them.
/// </summary>
/// <remarks>
/// Requires calibration data for every quantized layer (<see cref="QuantizationError.CalibrationRequired"/>,
/// <see cref="QuantizationError.CalibrationMismatch"/>); every check runs before the model changes. Differences from
/// mit-han-lab/smoothquant: activation maxima come from the FP planner's calibration statistics (every token of every
/// calibration episode); static ranges are the exact min/max of X/s over those tokens (from the per-channel extremes
/// recorded before the fold) in this project's asymmetric convention, rather than symmetric absmax scales measured by
/// re-running calibration on the smoothed model; DINOv2 LayerScale gains are
/// not folded, because they scale the outputs of attn.proj and mlp.fc2, which never lie between a smoothed norm and its
/// Linears (per-channel and per-group weight scales are unaffected by a per-row gain either way), so proj and fc2 are
/// quantized exactly as RTN quantizes them and their reports compare one to one. Reports are in the folded basis:
/// a smoothed layer's output MSE is ‖X′W′ᵀ − Q(X′)Ŵᵀ‖²/n with X′ = X/s, which is the error of its real output.
/// </remarks>
/// <param name="options">Smoothing settings.</param>
/// <param name="log">Receives one line per smoothing group (α, scale range, output error before → after), or null.</param>
public sealed class SmoothQuantMethod(SmoothQuantOptions options, Action<string>? log = null) : IModelQuantizationMethod
{
    /// <summary>The smoothing settings.</summary>
    public SmoothQuantOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public string Name => "smoothquant";

    /// <inheritdoc/>
    public QuantizationOutcome Apply(DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan)
    {
        if (MethodSteps.Begin(Name, Options.Problem(), model, plan, calibration, weightOnly: false, out var scope, out var layers) is { } refused)
        {
            return refused;
        }

        var transforms = Smooth(model, scope, calibration!);
        List<LayerQuantizationRecord> records;
        try
        {
            records = MethodSteps.Records(scope, settings =>
            {
                var statistics = calibration!.TryGet(settings.Name);
                if (settings.IsFloat)
                {
                    return SmoothedLayers.FloatRecord(settings, statistics);
                }

                var smoothing = transforms.GetValueOrDefault(settings.Name);
                string description = smoothing?.Description ?? "smoothquant unsmoothed";
                return SmoothedLayers.Quantize(Name, settings, layers[settings.Name], statistics!, smoothing?.Transform, null, description, 1);
            });
        }
        finally
        {
            foreach (var smoothing in transforms.Values.Select(t => t.Transform).Distinct())
            {
                smoothing?.Dispose();
            }
        }

        return new QuantizationOutcome(new ModelQuantizationResult(Name, plan, scope, records), null);
    }

    /// <summary>
    /// Step 1 without quantizing: folds the migration scales of every enabled group whose Linears are all quantized
    /// and returns, per smoothed Linear, the transform of its input (owned by the caller; groups share one).
    /// <paramref name="fixedAlpha"/> replaces the options' α and search (tests).
    /// </summary>
    internal Dictionary<string, LayerSmoothing> Smooth(
        DinoWorldModel model, ResolvedQuantizationScope scope, CalibrationSet calibration, double? fixedAlpha = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(calibration);
        var result = new Dictionary<string, LayerSmoothing>(StringComparer.Ordinal);
        foreach (var group in TransformerBlock.Of(model).SelectMany(b => b.Groups).Where(Enabled))
        {
            if (!group.Linears.All(l => !scope[l.FullName].IsFloat))
            {
                foreach (var linear in group.Linears.Where(l => !scope[l.FullName].IsFloat))
                {
                    result[linear.FullName] = new LayerSmoothing(null, $"smoothquant unsmoothed ({group.Source} also feeds float layers)");
                }

                continue;
            }

            double alpha = fixedAlpha ?? Options.Alpha;
            var (transform, description) = fixedAlpha is not null || !Options.AlphaSearch
                ? (Fixed(group, calibration, alpha), string.Create(CultureInfo.InvariantCulture, $"smoothquant alpha={alpha:0.###}"))
                : Search(group, scope, calibration);
            if (transform is not null)
            {
                group.Fold(transform);
            }

            foreach (var linear in group.Linears)
            {
                result[linear.FullName] = new LayerSmoothing(transform, description);
            }
        }

        return result;
    }

    private bool Enabled(SmoothingGroup group) => group.Site switch
    {
        SmoothingSite.Qkv => Options.SmoothQkv,
        SmoothingSite.Fc1 => Options.SmoothFc1,
        _ => Options.SmoothProj,
    };

    private ChannelTransform Fixed(SmoothingGroup group, CalibrationSet calibration, double alpha)
    {
        using var absMax = calibration.TryGet(group.InputLayer)!.MaxAbs();
        var scales = SmoothedLayers.MigrationScales(absMax, [.. group.Linears.Select(l => l.Weight.detach())], alpha);
        if (log is not null)
        {
            log(string.Create(
                CultureInfo.InvariantCulture,
                $"smoothquant {group.Source}: alpha {alpha:0.###}, s in [{scales.min().item<float>():G3}, {scales.max().item<float>():G3}]"));
        }

        return new ChannelTransform(scales.DetachFromDisposeScope());
    }

    /// <summary>α on the grid (and no smoothing) by the group's quantized output error on its calibration tokens.</summary>
    private (ChannelTransform? Transform, string Description) Search(SmoothingGroup group, ResolvedQuantizationScope scope, CalibrationSet calibration)
    {
        using var tensors = NewDisposeScope();
        var statistics = group.Linears.Select(l => calibration.TryGet(l.FullName)!).ToList();
        var weights = group.Linears.Select(l => l.Weight.detach().to_type(ScalarType.Float32)).ToList();
        var tokens = statistics.Select(s => s.SampledTokens().to(weights[0].device)).ToList();
        using var absMax = statistics[0].MaxAbs();
        double Error(ChannelTransform? transform)
        {
            using var step = NewDisposeScope();
            double total = 0;
            for (int i = 0; i < weights.Count; i++)
            {
                var settings = scope[group.Linears[i].FullName];
                var x = transform is null ? tokens[i] : transform.Apply(tokens[i]);
                var w = transform is null ? weights[i] : weights[i] * transform.Scales.to(weights[i].device);
                var wq = settings.Weights is { } config ? WeightQuantizer.FakeQuantize(w, config) : w;
                var inputs = SmoothedLayers.InputQuantizer(settings.Activations, statistics[i], transform);
                total += QuantErrorMetrics.OutputMse(x, w, wq, inputs);
            }

            return total;
        }

        double unsmoothed = Error(null);
        double best = unsmoothed;
        double bestAlpha = double.NaN;
        for (int i = 0; i <= Options.AlphaGrid; i++)
        {
            double alpha = (double)i / Options.AlphaGrid;
            using var candidate = new ChannelTransform(SmoothedLayers.MigrationScales(absMax, weights, alpha));
            double error = Error(candidate);
            if (error < best)
            {
                best = error;
                bestAlpha = alpha;
            }
        }

        string chosen = double.IsNaN(bestAlpha) ? "none" : bestAlpha.ToString("0.###", CultureInfo.InvariantCulture);
        log?.Invoke(string.Create(
            CultureInfo.InvariantCulture, $"smoothquant {group.Source}: alpha {chosen} searched, output MSE {unsmoothed:E3} unsmoothed → {best:E3}"));
        if (double.IsNaN(bestAlpha))
        {
            return (null, "smoothquant alpha searched: none (no smoothing was best)");
        }

        var scales = SmoothedLayers.MigrationScales(absMax, weights, bestAlpha).DetachFromDisposeScope();
        return (new ChannelTransform(scales), string.Create(CultureInfo.InvariantCulture, $"smoothquant alpha={bestAlpha:0.###} (searched)"));
    }
}

/// <summary>What smoothing did to one Linear's input.</summary>
/// <param name="Transform">The folded transform of its input, or null when unsmoothed.</param>
/// <param name="Description">Text for reports ("smoothquant alpha=0.5").</param>
internal sealed record LayerSmoothing(ChannelTransform? Transform, string Description);
