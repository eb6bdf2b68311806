using TorchSharp;
using TorchSharp.Modules;
using WmQuant.Models.Config;
using WmQuant.Models.Layers;
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

        var x = input + pos_embedding[.., ..(int)n];
        var allowed = UseFrameCausalMask ? MaskFor(n, input.device) : null;
        return transformer.forward(x, allowed).MoveToOuterDisposeScope();
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
