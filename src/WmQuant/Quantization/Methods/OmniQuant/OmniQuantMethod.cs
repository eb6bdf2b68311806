using System.Globalization;
using TorchSharp.Modules;
using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Models.Predictor;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods.SmoothQuant;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using WmQuant.Training;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.OmniQuant;

/// <summary>
/// OmniQuant (Shao et al., 2024), block by block, as DESIGN §7 describes it for DINO-WM. For the encoder blocks in order,
/// then the predictor layers in order, starting from input sequences of the first block recorded at calibration
/// (<see cref="CalibrationSet.BlockInputs"/>):
/// <list type="number">
/// <item>the full-precision block's output on the full-precision inputs is the target;</item>
/// <item>learnable weight clipping (LWC: per scale group of each weight-quantized Linear, clip bounds σ(u)·max and
/// σ(l)·min, u = l = 4 initially) and the learnable equivalent transformation (LET: per-channel scale s, and shift δ
/// where activations are quantized and a bias absorbs it, on norm1 → qkv, value rows → proj and norm2 → fc1, initialised
/// with SmoothQuant's scales and mid-range shifts) are trained with AdamW (weight decay 0, LWC lr 1e-2, LET lr 5e-3) to
/// minimise the MSE between that target and the quantized block's output on the inputs the already quantized blocks
/// produce, rounding passed straight through;</item>
/// <item>the transforms are folded into the block's norms and Linears (<see cref="SmoothingGroup.Fold"/>), each weight is
/// quantized at its learned clip bounds and installed as exactly its dequantized codes, inputs get the plan's quantizer
/// (static ranges recomputed for the transformed inputs), and the quantized block's outputs become the next block's
/// inputs.</item>
/// </list>
/// The packed artifact is therefore a plain quantized model. Nothing is random: sequences come from the calibration
/// set's seeded reservoirs and batches are taken in order (as upstream), so two runs on one device give the same weights.
/// Runs on the model's device (CUDA when the model is there).
/// </summary>
/// <remarks>
/// Requires calibration data with block inputs (<see cref="QuantizationError.CalibrationRequired"/>,
/// <see cref="QuantizationError.CalibrationMismatch"/>); every check runs before the model changes. Differences from
/// OpenGVLab/OmniQuant: the predictor chain starts again from recorded full-precision inputs (upstream quantizes one
/// decoder stack); after training, the block keeps whichever of the learned parameters, its SmoothQuant initialisation
/// and plain RTN gives the least block loss on the calibration sequences (upstream keeps the learned ones), so it never
/// ends above its initialisation; q/k smoothing inside attention is not learned (attention matmuls stay in float here);
/// static per-tensor input ranges (upstream only has dynamic per-token ones) are the exact min/max of (X − δ)/s over the
/// calibration tokens, from the per-channel extremes recorded before the fold, differentiable in s and δ while
/// training; the DINOv2 LayerScale gains are kept in the block (not folded).
/// Layers outside the blocks (the step embeddings) are rounded to nearest as RTN does. Reports are in the folded basis,
/// measured on each layer's calibration tokens taken to it: the output MSE is the error of the layer's real output.
/// </remarks>
/// <param name="options">Optimisation settings.</param>
/// <param name="log">Receives one line per block and epoch (the epoch's mean loss) and a summary per block, or null.</param>
public sealed class OmniQuantMethod(OmniQuantOptions options, Action<string>? log = null) : IModelQuantizationMethod, IBlockWiseMethod
{
    /// <summary>The optimisation settings.</summary>
    public OmniQuantOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public string Name => "omniquant";

    /// <inheritdoc/>
    public int BlockInputSamples => Options.Samples;

    /// <inheritdoc/>
    public QuantizationOutcome Apply(DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan) =>
        Run(model, calibration, plan, out _);

    /// <summary><see cref="Apply"/>, also returning what happened in each optimised block (tests, diagnostics).</summary>
    internal QuantizationOutcome Run(
        DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan, out IReadOnlyList<OmniQuantBlockReport> blocks)
    {
        blocks = [];
        if (MethodSteps.Begin(Name, Options.Problem(), model, plan, calibration, weightOnly: false, out var scope, out var layers) is { } refused)
        {
            return refused;
        }

        var all = TransformerBlock.Of(model);
        var chains = new[] { all.Where(b => !b.IsPredictor).ToList(), all.Where(b => b.IsPredictor).ToList() }
            .Where(chain => chain.Any(b => b.Linears.Any(l => !scope[l.FullName].IsFloat)))
            .ToList();
        if (CheckBlockInputs(model, chains, calibration!) is { } error)
        {
            return new QuantizationOutcome(null, error);
        }

        var records = new Dictionary<string, LayerQuantizationRecord>(StringComparer.Ordinal);
        var reports = new List<OmniQuantBlockReport>();
        try
        {
            foreach (var chain in chains)
            {
                QuantizeChain(model, chain, scope, calibration!, records, reports);
            }

            foreach (var settings in scope.Layers.Where(l => !records.ContainsKey(l.Name)))
            {
                var statistics = calibration!.TryGet(settings.Name);
                records[settings.Name] = settings.IsFloat
                    ? SmoothedLayers.FloatRecord(settings, statistics)
                    : SmoothedLayers.Quantize(Name, settings, layers[settings.Name], statistics!, null, null, "omniquant rtn (outside the blocks)", 1);
            }
        }
        catch
        {
            MethodSteps.Free(records.Values);
            throw;
        }

        blocks = reports;
        var ordered = scope.Layers.Select(l => records[l.Name]).ToList();
        return new QuantizationOutcome(new ModelQuantizationResult(Name, plan, scope, ordered), null);
    }

    private QuantizationError? CheckBlockInputs(DinoWorldModel model, List<List<TransformerBlock>> chains, CalibrationSet calibration)
    {
        foreach (var chain in chains)
        {
            string first = chain[0].Name;
            long width = chain[0].IsPredictor ? model.Predictor.PosEmbedding.shape[2] : model.Config.Encoder.Dim;
            var streams = calibration.BlockInputs?.Of(first) ?? [];
            if (streams.Count == 0 || streams.All(s => s.Count == 0))
            {
                return new QuantizationError(
                    QuantizationError.CalibrationMismatch,
                    $"{Name} optimises whole blocks and needs input sequences of {first}, but the calibration set holds none; "
                    + $"recalibrate with block input samples (CalibrationSettings.BlockInputSamples = {Options.Samples}; wmq does this for {Name})");
            }

            if (streams.FirstOrDefault(s => s.Width != width) is { } wrong)
            {
                return new QuantizationError(
                    QuantizationError.CalibrationMismatch,
                    $"the calibration set's input sequences of {first} are {wrong.Width} wide, the model's {width}; recalibrate on this model");
            }

            if (chain[0].IsPredictor && streams.FirstOrDefault(s => s.Tokens % model.Config.PatchesPerFrame != 0) is { } partial)
            {
                return new QuantizationError(
                    QuantizationError.CalibrationMismatch,
                    $"the calibration set's input sequences of {first} hold {partial.Tokens} tokens, "
                    + $"not whole {model.Config.PatchesPerFrame}-patch frames");
            }
        }

        return null;
    }

    private void QuantizeChain(
        DinoWorldModel model,
        List<TransformerBlock> chain,
        ResolvedQuantizationScope scope,
        CalibrationSet calibration,
        Dictionary<string, LayerQuantizationRecord> records,
        List<OmniQuantBlockReport> reports)
    {
        var device = chain[0].Qkv.Weight.device;
        var streams = new List<BlockSequences>();
        try
        {
            var recordedStreams = calibration.BlockInputs!.Of(chain[0].Name).Where(s => s.Count > 0).ToList();
            var quotas = Quotas(recordedStreams, Options.Samples);
            foreach (var (recorded, quota) in recordedStreams.Zip(quotas).Where(p => p.Second > 0))
            {
                using var all = recorded.Sequences();
                var inputs = all.narrow(0, 0, quota).to(ScalarType.Float32, device).clone().DetachFromDisposeScope();
                Tensor? mask = chain[0].IsPredictor && model.Predictor.UseFrameCausalMask
                    ? FrameCausalMask.Build(recorded.Tokens / model.Config.PatchesPerFrame, model.Config.PatchesPerFrame, device).DetachFromDisposeScope()
                    : null;
                streams.Add(new BlockSequences(inputs.clone().DetachFromDisposeScope(), inputs, mask));
            }

            foreach (var block in chain)
            {
                if (block.Linears.All(l => scope[l.FullName].IsFloat))
                {
                    foreach (var stream in streams)
                    {
                        stream.Advance(Propagate(block, stream.Full, stream.Mask), Propagate(block, stream.Quantized, stream.Mask));
                    }

                    continue;
                }

                reports.Add(QuantizeBlock(block, scope, calibration, streams, records));
            }
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }
    }

    /// <summary>
    /// How many of <paramref name="samples"/> sequences each stream (window length) gives: in proportion to the sequences
    /// it saw while calibrating (largest remainders, ties to the shorter window), at most what it kept.
    /// </summary>
    internal static int[] Quotas(IReadOnlyList<BlockInputReservoir> streams, int samples)
    {
        double total = streams.Sum(s => (double)s.SequencesSeen);
        var exact = streams.Select(s => samples * s.SequencesSeen / total).ToArray();
        var quotas = exact.Select(e => (int)Math.Floor(e)).ToArray();
        int left = samples - quotas.Sum();
        foreach (int i in Enumerable.Range(0, streams.Count).OrderByDescending(i => exact[i] - quotas[i]).ThenBy(i => i).Take(left))
        {
            quotas[i]++;
        }

        return [.. quotas.Select((q, i) => Math.Min(q, streams[i].Count))];
    }

    private static Tensor Propagate(TransformerBlock block, Tensor inputs, Tensor? mask)
    {
        using var noGrad = no_grad();
        return block.Forward(inputs, mask).DetachFromDisposeScope();
    }

    private OmniQuantBlockReport QuantizeBlock(
        TransformerBlock block,
        ResolvedQuantizationScope scope,
        CalibrationSet calibration,
        List<BlockSequences> streams,
        Dictionary<string, LayerQuantizationRecord> records)
    {
        using var state = new OmniQuantBlock(block, scope, calibration);
        var (targets, ranges) = Targets(block, streams);
        try
        {
            Initialise(state, calibration, ranges);
            double smoothQuant = Loss(state, streams, targets, BlockVariant.SmoothQuant);
            double rtn = Loss(state, streams, targets, BlockVariant.Rtn);
            var epochs = Train(state, streams, targets);
            double learned = Loss(state, streams, targets, BlockVariant.Learned);
            var chosen = BlockVariant.Learned;
            double best = double.IsFinite(learned) ? learned : double.PositiveInfinity;
            if (smoothQuant < best)
            {
                (chosen, best) = (BlockVariant.SmoothQuant, smoothQuant);
            }

            if (rtn < best)
            {
                (chosen, best) = (BlockVariant.Rtn, rtn);
            }

            string summary = string.Create(
                CultureInfo.InvariantCulture,
                $"omniquant {block.Name}: block loss RTN {rtn:E3}, SmoothQuant init {smoothQuant:E3}, learned {learned:E3}"
                + $" ({epochs.Count} epochs); keeps {Describe(chosen)}");
            log?.Invoke(summary);
            Install(state, chosen, calibration, records, epochs, best);
            foreach (var (stream, target) in streams.Zip(targets))
            {
                stream.Advance(target, Propagate(block, stream.Quantized, stream.Mask));
            }

            targets.Clear();
            return new OmniQuantBlockReport(block.Name, epochs, smoothQuant, rtn, learned, chosen);
        }
        finally
        {
            targets.ForEach(t => t.Dispose());
            foreach (var (low, high) in ranges.Values)
            {
                low.Dispose();
                high.Dispose();
            }
        }
    }

    /// <summary>The FP block's outputs on the FP inputs, and the per-channel min/max of its Linears' inputs there (shift initialisation).</summary>
    private static (List<Tensor> Targets, Dictionary<string, (Tensor Min, Tensor Max)> Ranges) Targets(
        TransformerBlock block, List<BlockSequences> streams)
    {
        var ranges = new Dictionary<string, (Tensor Min, Tensor Max)>(StringComparer.Ordinal);
        var observed = new[] { block.Qkv, block.Proj, block.Fc1 };
        var previous = observed.Select(l => l.InputObserver).ToList();
        void Observe(string name, Tensor input)
        {
            using var scope = NewDisposeScope();
            var tokens = input.detach().reshape(-1, input.shape[^1]);
            var (lo, hi) = (tokens.amin([0]), tokens.amax([0]));
            if (ranges.TryGetValue(name, out var seen))
            {
                seen.Min.copy_(minimum(seen.Min, lo));
                seen.Max.copy_(maximum(seen.Max, hi));
            }
            else
            {
                ranges[name] = (lo.DetachFromDisposeScope(), hi.DetachFromDisposeScope());
            }
        }

        var targets = new List<Tensor>();
        try
        {
            foreach (var linear in observed)
            {
                linear.InputObserver = Observe;
            }

            targets.AddRange(streams.Select(s => Propagate(block, s.Full, s.Mask)));
        }
        finally
        {
            for (int i = 0; i < observed.Length; i++)
            {
                observed[i].InputObserver = previous[i];
            }
        }

        return (targets, ranges);
    }

    /// <summary>LET at SmoothQuant's scales (and mid-range shifts), LWC at <see cref="OmniQuantOptions.LwcInit"/>.</summary>
    private void Initialise(OmniQuantBlock state, CalibrationSet calibration, Dictionary<string, (Tensor Min, Tensor Max)> ranges)
    {
        using var scope = NewDisposeScope();
        if (Options.Let)
        {
            foreach (var group in state.Block.Groups.Where(g => g.Site != SmoothingSite.Proj || Options.LetProj))
            {
                var settings = group.Linears.Select(state.SettingsOf).ToList();
                if (settings.Any(s => s.IsFloat))
                {
                    continue;
                }

                var scales = SmoothedLayers.MigrationScales(
                    calibration.TryGet(group.InputLayer)!.MaxAbs(), [.. group.Linears.Select(l => l.Weight.detach())], Options.Alpha);
                bool shift = Options.LetShift && group.CanShift && settings.Any(s => s.Activations is not null);
                var (min, max) = ranges[group.InputLayer];
                state.AddLet(group, scales, shift ? min.Add(max).Div(2) : null);
            }
        }

        if (Options.Lwc)
        {
            foreach (var linear in state.Block.Linears.Where(l => state.SettingsOf(l).Weights is not null))
            {
                state.AddLwc(linear, Options.LwcInit);
            }
        }
    }

    /// <summary>AdamW over the sequences in order, <see cref="OmniQuantOptions.Epochs"/> times; the mean step loss of each epoch.</summary>
    private List<double> Train(OmniQuantBlock state, List<BlockSequences> streams, List<Tensor> targets)
    {
        var losses = new List<double>();
        var lwc = state.LwcParameterList;
        var let = state.LetParameterList;
        if (Options.Epochs == 0 || (lwc.Count == 0 && let.Count == 0))
        {
            return losses;
        }

        using var lwcOptimizer = lwc.Count == 0 ? null : new AdamWOptimizer(Named("lwc", lwc), Options.LwcLearningRate, Options.WeightDecay);
        using var letOptimizer = let.Count == 0 ? null : new AdamWOptimizer(Named("let", let), Options.LetLearningRate, Options.WeightDecay);
        using var grad = enable_grad();
        for (int epoch = 0; epoch < Options.Epochs; epoch++)
        {
            double sum = 0;
            int steps = 0;
            foreach (var (stream, target) in streams.Zip(targets))
            {
                long count = stream.Quantized.shape[0];
                for (long start = 0; start < count; start += Options.BatchSize)
                {
                    using var step = NewDisposeScope();
                    long length = Math.Min(Options.BatchSize, count - start);
                    lwcOptimizer?.ZeroGrad();
                    letOptimizer?.ZeroGrad();
                    var output = state.Forward(stream.Quantized.narrow(0, start, length), stream.Mask, BlockVariant.Learned);
                    var loss = nn.functional.mse_loss(output, target.narrow(0, start, length));
                    double value = loss.item<float>();
                    if (!double.IsFinite(value))
                    {
                        log?.Invoke($"omniquant {state.Block.Name}: loss not finite in epoch {epoch + 1}; training stopped");
                        losses.Add(double.NaN);
                        return losses;
                    }

                    loss.backward();
                    lwcOptimizer?.Step();
                    letOptimizer?.Step();
                    sum += value;
                    steps++;
                }
            }

            losses.Add(sum / steps);
            log?.Invoke(string.Create(
                CultureInfo.InvariantCulture, $"omniquant {state.Block.Name}: epoch {epoch + 1}/{Options.Epochs} loss {sum / steps:E4}"));
        }

        return losses;
    }

    private static IEnumerable<(string Name, Parameter Parameter)> Named(string prefix, IReadOnlyList<Parameter> parameters) =>
        parameters.Select((parameter, i) => ($"{prefix}.{i}", parameter));

    /// <summary>Mean squared error of the variant's block output against the targets over every sequence.</summary>
    private static double Loss(OmniQuantBlock state, List<BlockSequences> streams, List<Tensor> targets, BlockVariant variant)
    {
        using var noGrad = no_grad();
        double sum = 0;
        long elements = 0;
        foreach (var (stream, target) in streams.Zip(targets))
        {
            using var scope = NewDisposeScope();
            var output = state.Forward(stream.Quantized, stream.Mask, variant);
            sum += (output - target).to_type(ScalarType.Float64).Pow(2).sum().item<double>();
            elements += target.numel();
        }

        return sum / elements;
    }

    /// <summary>Folds the chosen variant into the block's modules and quantizes its Linears (records added).</summary>
    private void Install(
        OmniQuantBlock state, BlockVariant chosen, CalibrationSet calibration, Dictionary<string, LayerQuantizationRecord> records,
        List<double> epochs, double loss)
    {
        var (transforms, codes) = state.Apply(chosen);
        try
        {
            var block = state.Block;
            var transformOf = new Dictionary<QuantizableLinear, ChannelTransform?>
            {
                [block.Qkv] = transforms.GetValueOrDefault(SmoothingSite.Qkv),
                [block.Proj] = transforms.GetValueOrDefault(SmoothingSite.Proj),
                [block.Fc1] = transforms.GetValueOrDefault(SmoothingSite.Fc1),
                [block.Fc2] = null,
            };
            foreach (var linear in block.Linears)
            {
                var settings = state.SettingsOf(linear);
                var statistics = calibration.TryGet(linear.FullName);
                if (settings.IsFloat)
                {
                    records[linear.FullName] = SmoothedLayers.FloatRecord(settings, statistics);
                    continue;
                }

                QuantizedWeight? quantized = null;
                double meanClip = 1;
                if (codes.Remove(linear, out var taken))
                {
                    (quantized, meanClip) = taken;
                }

                string description = string.Create(
                    CultureInfo.InvariantCulture,
                    $"omniquant {Describe(chosen)}{(transformOf[linear] is null ? string.Empty : " let")}; "
                    + $"{epochs.Count} epochs, block loss {loss:E3}");
                records[linear.FullName] = SmoothedLayers.Quantize(
                    Name, settings, linear, statistics!, transformOf[linear], quantized, description, meanClip);
            }
        }
        finally
        {
            foreach (var transform in transforms.Values)
            {
                transform.Dispose();
            }

            foreach (var (quantized, _) in codes.Values)
            {
                quantized.Dispose();
            }
        }
    }

    private static string Describe(BlockVariant variant) => variant switch
    {
        BlockVariant.Learned => "learned lwc/let",
        BlockVariant.SmoothQuant => "smoothquant init",
        _ => "rtn",
    };

    /// <summary>The sequences of one input stream as they move through the chain: FP inputs, quantized-chain inputs, mask.</summary>
    private sealed class BlockSequences(Tensor full, Tensor quantized, Tensor? mask) : IDisposable
    {
        public Tensor Full { get; private set; } = full;

        public Tensor Quantized { get; private set; } = quantized;

        public Tensor? Mask { get; } = mask;

        /// <summary>Replaces both inputs by the next block's (takes ownership of them).</summary>
        public void Advance(Tensor full, Tensor quantized)
        {
            Full.Dispose();
            Quantized.Dispose();
            Full = full;
            Quantized = quantized;
        }

        public void Dispose()
        {
            Full.Dispose();
            Quantized.Dispose();
            Mask?.Dispose();
        }
    }
}

/// <summary>What OmniQuant did in one block.</summary>
/// <param name="Block">Block name.</param>
/// <param name="EpochLosses">Mean training loss of each epoch (empty without training).</param>
/// <param name="SmoothQuantLoss">Block loss at the initialisation: LET at SmoothQuant's scales, weights rounded to nearest.</param>
/// <param name="RtnLoss">Block loss of plain RTN (no transform, no clipping).</param>
/// <param name="LearnedLoss">Block loss with the learned parameters.</param>
/// <param name="Chosen">What the block keeps (the least of the three losses).</param>
internal sealed record OmniQuantBlockReport(
    string Block, IReadOnlyList<double> EpochLosses, double SmoothQuantLoss, double RtnLoss, double LearnedLoss, BlockVariant Chosen)
{
    /// <summary>The block loss of what was kept.</summary>
    public double FinalLoss => Chosen switch
    {
        BlockVariant.Learned => LearnedLoss,
        BlockVariant.SmoothQuant => SmoothQuantLoss,
        _ => RtnLoss,
    };
}
