using TorchSharp;
using TorchSharp.Modules;
using WmQuant.Models.Config;
using WmQuant.Models.Diagnostics;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Predictor;

/// <summary>
/// DINO-WM's ViT predictor over num_hist frames of patch tokens: adds the learned positional
/// embedding prefix for the tokens present, then frame-causal pre-LN layers. Input and output
/// are [B, T·P, Dtot].
/// </summary>
public sealed class ViTPredictor : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private Parameter pos_embedding;
    private readonly PredictorTransformer transformer;
#pragma warning restore IDE1006
    private readonly long _patchesPerFrame;
    private readonly Dictionary<(long Frames, DeviceType Device, int Index), Tensor> _masks = [];

    /// <summary>Creates the predictor for tokens of width <paramref name="dim"/>, <paramref name="patchesPerFrame"/> per frame.</summary>
    public ViTPredictor(PredictorConfig config, long dim, long patchesPerFrame, int numHist) : base(nameof(ViTPredictor))
    {
        ArgumentNullException.ThrowIfNull(config);
        _patchesPerFrame = patchesPerFrame;
        pos_embedding = nn.Parameter(zeros(1, numHist * patchesPerFrame, dim));
        transformer = new PredictorTransformer(dim, config.Depth, config.Heads, config.DimHead, config.MlpDim, config.LayerNormEps);
        RegisterComponents();
        foreach (var layer in transformer.Layers)
        {
            layer.Attention.Dropout = config.Dropout;
            layer.FeedForward.Dropout = config.Dropout;
        }
    }

    /// <summary>The layer stack.</summary>
    public PredictorTransformer Transformer => transformer;

    /// <summary>Learned positional embedding [1, num_hist·P, Dtot].</summary>
    public Parameter PosEmbedding => pos_embedding;

    /// <summary>When false the frame-causal mask is dropped (only to demonstrate why it matters).</summary>
    public bool UseFrameCausalMask { get; set; } = true;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var n = input.shape[1];
        if (n > pos_embedding.shape[1])
        {
            throw new ArgumentException($"predictor got {n} tokens but its positional embedding covers {pos_embedding.shape[1]}", nameof(input));
        }

        var x = input.Add(pos_embedding[.., ..(int)n]);
        var allowed = UseFrameCausalMask ? MaskFor(n, input.device) : null;
        return transformer.forward(x, allowed).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// When true (the default), rollouts in evaluation mode predict each frame with <see cref="ForwardLastFrame"/>;
    /// false keeps the full masked pass over the window, for benchmarks that compare the two.
    /// </summary>
    public bool IncrementalInference { get; set; } = true;

    /// <summary>
    /// Whether rollouts use <see cref="ForwardLastFrame"/>, which gives what <see cref="forward"/> would up to rounding:
    /// in evaluation mode with the frame-causal mask on and no layer observing its inputs (calibration must see every
    /// token the full pass makes).
    /// </summary>
    public bool SupportsIncrementalInference =>
        IncrementalInference && !training && UseFrameCausalMask && modules().OfType<QuantizableLinear>().All(linear => linear.InputObserver is null);

    /// <summary>
    /// Inference-only forward for rollouts: <paramref name="newTokens"/> [B, m·P, D] are m frames that follow the
    /// <paramref name="cache"/>'s frames in the window; returns the final-norm output of the last of them, [B, P, D],
    /// which equals the last frame of <see cref="forward"/> over the whole window up to rounding. The last layer runs
    /// for that frame alone. With <paramref name="extendCache"/> the new frames' keys and values are kept for a
    /// following call whose window still starts at the same frame.
    /// </summary>
    public Tensor ForwardLastFrame(Tensor newTokens, PredictorKeyValueCache cache, bool extendCache)
    {
        ArgumentNullException.ThrowIfNull(newTokens);
        ArgumentNullException.ThrowIfNull(cache);
        if (training || !UseFrameCausalMask)
        {
            throw new InvalidOperationException("incremental inference needs evaluation mode and the frame-causal mask");
        }

        using var scope = NewDisposeScope();
        var n = newTokens.shape[1];
        var frames = n / _patchesPerFrame;
        if (frames < 1 || frames * _patchesPerFrame != n)
        {
            throw new ArgumentException($"{n} tokens is not a whole, positive number of {_patchesPerFrame}-patch frames", nameof(newTokens));
        }

        var offset = cache.Frames * _patchesPerFrame;
        if (offset + n > pos_embedding.shape[1])
        {
            throw new ArgumentException($"{cache.Frames} cached and {frames} new frames exceed the positional embedding's {pos_embedding.shape[1] / _patchesPerFrame}", nameof(newTokens));
        }

        var x = PhaseProfile.Time("predictor position", () => newTokens.Add(pos_embedding.narrow(1, offset, n)));
        var layers = transformer.Layers;
        for (var i = 0; i < layers.Count; i++)
        {
            x = layers[i].ForwardAppended(x, cache, i, _patchesPerFrame, lastFrameOnly: i == layers.Count - 1, extendCache);
        }

        if (extendCache)
        {
            cache.Advance(frames);
        }

        return PhaseProfile.Time("predictor final norm", () => transformer.Norm.forward(x)).MoveToOuterDisposeScope();
    }

    private Tensor MaskFor(long tokens, Device device)
    {
        var frames = tokens / _patchesPerFrame;
        if (frames * _patchesPerFrame != tokens)
        {
            throw new ArgumentException($"{tokens} tokens is not a whole number of {_patchesPerFrame}-patch frames");
        }

        var key = (frames, device.type, device.index);
        if (!_masks.TryGetValue(key, out var mask))
        {
            mask = FrameCausalMask.Build(frames, _patchesPerFrame, device).DetachFromDisposeScope();
            _masks[key] = mask;
        }

        return mask;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var mask in _masks.Values)
            {
                mask.Dispose();
            }

            _masks.Clear();
        }

        base.Dispose(disposing);
    }
}
