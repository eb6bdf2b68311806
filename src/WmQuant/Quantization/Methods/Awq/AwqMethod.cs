using System.Globalization;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.Awq;

/// <summary>
/// AWQ, activation-aware weight quantization (Lin et al., 2023), weight-only, as DESIGN §7 describes it for DINO-WM:
/// <list type="number">
/// <item>Every DINOv2 LayerScale gain is folded into the Linear before it (ls1 into attn.proj, ls2 into mlp.fc2: rows
/// and bias times γ, γ set to 1) when that Linear is quantized.</item>
/// <item>For each group of Linears that share an input behind a foldable operation (encoder blocks: norm1 → attn.qkv,
/// value rows of attn.qkv → attn.proj, norm2 → mlp.fc1; predictor layers: <c>0.norm → 0.to_qkv</c>, value rows of
/// <c>0.to_qkv</c> → <c>0.to_out.0</c>, <c>1.net.0 → 1.net.1</c>) whose Linears are all weight-quantized, the
/// per-input-channel scale s = x̄^r / √(max·min) (x̄ = mean |x| per input channel, r on <see cref="AwqOptions.Grid"/>)
/// with the least output error ‖XWᵀ − X(Q(W·diag s)·diag(1/s))ᵀ‖² on the calibration tokens is chosen and folded: the
/// operation's outputs are divided by s, the Linears' columns multiplied by s. Groups with a Linear left in float are
/// not scaled.</item>
/// <item>Every weight-quantized layer then gets a clipping ratio per scale group searched on its output error
/// (<see cref="AwqOptions.ClipSearch"/>; query and key rows of fused q/k/v projections are left unclipped), and is
/// quantized with the plan's <see cref="WeightQuantConfig"/> at those ratios: the stored weight is exactly the
/// dequantized codes of Q(W·diag(s)).</item>
/// </list>
/// The second MLP Linears (encoder mlp.fc2, predictor <c>1.net.4</c>) read GELU outputs, which no per-channel scale
/// passes through, so they are not scaled (upstream would need a runtime scale there): they get the clip search and
/// round-to-nearest only, as do the action and proprio step embeddings. The model's function is unchanged by the folds
/// (up to float rounding), so its float parameters (LayerNorms, LayerScale gains, value rows of float qkv layers)
/// change while its outputs do not.
/// </summary>
/// <remarks>
/// Requires calibration data (<see cref="QuantizationError.CalibrationRequired"/> otherwise) and refuses plans that
/// quantize inputs (<see cref="QuantizationError.InvalidRequest"/>). Differences from llm-awq: x̄ and the tokens come
/// from the full-precision model's recorded inputs (not from blocks re-run one by one); the scale search scores each
/// Linear's own output, not the output of the whole attention or MLP module; clip ratios shrink the group's range
/// [min, max] (the clip convention of every method here), not a symmetric ±max·ratio clamp. Reports state errors in the
/// folded model's basis: a layer's output MSE is ‖X′W′ᵀ − X′Ŵᵀ‖²/n with X′ = X·diag(1/s) its folded input and W′ its
/// folded float weight.
/// </remarks>
/// <param name="options">Search settings.</param>
/// <param name="log">
/// Receives one line per quantized layer (chosen r, mean clip ratio, relative output error of RTN and AWQ on the
/// calibration tokens), or null.
/// </param>
public sealed class AwqMethod(AwqOptions options, Action<string>? log = null) : IModelQuantizationMethod
{
    /// <summary>The search settings.</summary>
    public AwqOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public string Name => "awq";

    /// <inheritdoc/>
    public QuantizationOutcome Apply(DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan)
    {
        if (MethodSteps.Begin(Name, Options.Problem(), model, plan, calibration, weightOnly: true, out var scope, out var layers) is { } refused)
        {
            return refused;
        }

        var layout = AwqModelLayout.Of(model);
        using var folding = Fold(layout, scope, calibration!);
        var records = MethodSteps.Records(scope, settings =>
        {
            var statistics = calibration!.TryGet(settings.Name);
            long queryKeyRows = layout.QueryKeyRows.GetValueOrDefault(settings.Name);
            return settings.Weights is not { } config
                ? FloatRecord(settings, statistics)
                : Quantize(settings, config, layers[settings.Name], statistics!, folding[settings.Name], queryKeyRows);
        });
        return new QuantizationOutcome(new ModelQuantizationResult(Name, plan, scope, records), null);
    }

    /// <summary>
    /// Steps 1 and 2 without quantizing: folds LayerScale gains and the searched scales into the model (output-preserving)
    /// and returns what was applied per layer. <paramref name="fixedRatio"/> replaces the search by one exponent (tests).
    /// </summary>
    internal AwqFolding Fold(AwqModelLayout layout, ResolvedQuantizationScope scope, CalibrationSet calibration, double? fixedRatio = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(calibration);
        bool Quantized(QuantizableLinear linear) => scope[linear.FullName].Weights is not null;
        foreach (var (gain, target) in layout.LayerScales.Where(l => Quantized(l.Target)))
        {
            AwqModelLayout.FoldLayerScale(gain, target);
        }

        var folding = new AwqFolding();
        try
        {
            foreach (var group in layout.Groups)
            {
                if (group.Linears.All(Quantized))
                {
                    FoldGroup(group, scope, calibration, fixedRatio, folding);
                    continue;
                }

                foreach (var linear in group.Linears.Where(Quantized))
                {
                    string reason = $"unscaled ({group.Source} also feeds float layers)";
                    folding.Add(linear.FullName, new AwqLayerScaling(double.NaN, null, reason));
                }
            }
        }
        catch
        {
            folding.Dispose();
            throw;
        }

        return folding;
    }

    private void FoldGroup(
        AwqScaleGroup group, ResolvedQuantizationScope scope, CalibrationSet calibration, double? fixedRatio, AwqFolding folding)
    {
        using var tensors = NewDisposeScope();
        var statistics = calibration.TryGet(group.Linears[0].FullName)!;
        var linears = group.Linears.Select(l => (l.WeightMatrix.detach(), scope[l.FullName].Weights!)).ToList();
        using var choice = fixedRatio is { } ratio
            ? AwqSearch.FixedScales(linears, statistics.MeanAbs(), Options, ratio)
            : AwqSearch.SearchScales(linears, statistics.SampledTokens(), statistics.MeanAbs(), Options);
        bool identity = choice.IsIdentity;
        if (!identity)
        {
            group.Fold(choice.Scales);
        }

        string duo = Options.DuoScaling ? " duo" : string.Empty;
        string description = string.Create(CultureInfo.InvariantCulture, $"r={choice.Ratio:0.###}{duo}");
        foreach (var linear in group.Linears)
        {
            var scales = identity ? null : choice.Scales.detach().clone().DetachFromDisposeScope();
            folding.Add(linear.FullName, new AwqLayerScaling(choice.Ratio, scales, description));
        }
    }

    private static LayerQuantizationRecord FloatRecord(LayerQuantSettings settings, LayerActivationStatistics? statistics) =>
        new(settings, null, null, new ModelLayerReport(
            settings.Name, settings.Group, settings.Describe(), null, null, null, statistics?.TokensSeen ?? 0));

    private LayerQuantizationRecord Quantize(
        LayerQuantSettings settings,
        WeightQuantConfig config,
        IQuantizableLayer layer,
        LayerActivationStatistics statistics,
        AwqLayerScaling scaling,
        long queryKeyRows)
    {
        using var scope = NewDisposeScope();
        var folded = layer.WeightMatrix.detach().clone();
        var recorded = statistics.SampledTokens().to(folded.device);
        var inputScales = scaling.Scales?.to(ScalarType.Float32, folded.device);
        var tokens = inputScales is null ? recorded : recorded / inputScales;
        var heldOutRecorded = statistics.HeldOutTokens().to(folded.device);
        var heldOut = inputScales is null ? heldOutRecorded : heldOutRecorded / inputScales;
        var (quantized, ratios) = QuantizeWeight(folded, tokens, config, Options, queryKeyRows);
        var fake = WeightQuantizer.Dequantize(quantized);
        layer.SetWeight(fake);
        double meanRatio = ratios is null ? 1 : ratios.to_type(ScalarType.Float64).mean().item<double>();
        string grid = $"awq {scaling.Description}; clip {(Options.ClipSearch ? Options.ClipRatios.ToString() : "off")}";
        var weightReport = QuantErrorMetrics.Report(settings.Name, Name, config, folded, fake, quantized, heldOut, grid, meanRatio);
        if (log is not null)
        {
            // RTN for comparison: the weight before AWQ's scales (LayerScale folded), on the recorded inputs.
            var unscaled = inputScales is null ? folded : folded.to_type(ScalarType.Float32) / inputScales;
            double rtn = QuantErrorMetrics.RelativeOutputError(heldOutRecorded, unscaled, WeightQuantizer.FakeQuantize(unscaled, config)) ?? double.NaN;
            double awq = weightReport.RelativeOutputError ?? double.NaN;
            log(string.Create(
                CultureInfo.InvariantCulture,
                $"awq {settings.Name}: {scaling.Description}, clip {meanRatio:0.###}, rel out err RTN {rtn:E2} → {awq:E2}"));
        }

        var report = new ModelLayerReport(
            settings.Name, settings.Group, settings.Describe(), weightReport, null, weightReport.OutputMse, statistics.TokensSeen)
        {
            RelativeOutputError = weightReport.RelativeOutputError,
        };
        return new LayerQuantizationRecord(settings, quantized.MoveToOuterDisposeScope(), null, report);
    }

    /// <summary>
    /// Step 3 for one weight already in the folded basis: the clip search on <paramref name="tokens"/> (when enabled; the
    /// first <paramref name="queryKeyRows"/> rows stay unclipped), then quantization at the chosen ratios (null: none).
    /// </summary>
    internal static (QuantizedWeight Quantized, Tensor? Ratios) QuantizeWeight(
        Tensor folded, Tensor tokens, WeightQuantConfig config, AwqOptions options, long queryKeyRows = 0)
    {
        using var scope = NewDisposeScope();
        var ratios = options.ClipSearch ? AwqSearch.SearchClipRatios(folded, tokens, config, options.ClipRatios, queryKeyRows) : null;
        var quantized = WeightQuantizer.Quantize(folded, config, ratios);
        return (quantized.MoveToOuterDisposeScope(), ratios?.MoveToOuterDisposeScope());
    }
}

/// <summary>What AWQ's scale step did to one Linear.</summary>
/// <param name="Ratio">The chosen exponent r (NaN when the layer was not scaled).</param>
/// <param name="Scales">The scales s [K] its input columns were multiplied by; null when none (s = 1).</param>
/// <param name="Description">Short text for reports and logs ("r=0.35", "unscaled: …").</param>
internal sealed record AwqLayerScaling(double Ratio, Tensor? Scales, string Description);

/// <summary>The scalings applied to a model's Linears, by layer name; owns the scale tensors.</summary>
internal sealed class AwqFolding : IDisposable
{
    private static readonly AwqLayerScaling Unscaled = new(double.NaN, null, "unscaled");
    private readonly Dictionary<string, AwqLayerScaling> layers = new(StringComparer.Ordinal);

    /// <summary>The scaling of one layer ("unscaled" for layers outside every scaled group).</summary>
    public AwqLayerScaling this[string layer] => layers.GetValueOrDefault(layer, Unscaled);

    /// <summary>Layers that got a scaling entry.</summary>
    public IReadOnlyCollection<string> Layers => layers.Keys;

    /// <summary>Records one layer's scaling (the folding takes ownership of its scales).</summary>
    public void Add(string layer, AwqLayerScaling scaling) => layers[layer] = scaling;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var scaling in layers.Values)
        {
            scaling.Scales?.Dispose();
        }
    }
}
