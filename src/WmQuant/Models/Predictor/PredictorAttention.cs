using TorchSharp.Modules;
using WmQuant.Models.Diagnostics;
using WmQuant.Models.Layers;
using static TorchSharp.torch;

namespace WmQuant.Models.Predictor;

/// <summary>Predictor attention (upstream layers.i.0): pre-LN, to_qkv without bias, masked multi-head attention, to_out.0.</summary>
public sealed class PredictorAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly LayerNorm _norm;
    private readonly QuantizableLinear _toQkv;
    private readonly QuantizableLinear _toOut;
    private readonly long _heads;

    /// <summary>Creates attention over <paramref name="dim"/>-wide tokens with heads × dimHead inner width.</summary>
    public PredictorAttention(long dim, long heads, long dimHead, double eps) : base(nameof(PredictorAttention))
    {
        _heads = heads;
        _norm = nn.LayerNorm(dim, eps);
        _toQkv = new QuantizableLinear(dim, 3 * heads * dimHead, hasBias: false);
        _toOut = new QuantizableLinear(heads * dimHead, dim);
        register_module("norm", _norm);
        register_module("to_qkv", _toQkv);
        register_module("to_out", new IndexedChildren(("0", _toOut)));
    }

    /// <summary>Children are registered by hand under their upstream names; field-based registration would add them twice.</summary>
    protected override void RegisterComponents()
    {
    }

    /// <summary>How the attention itself is computed.</summary>
    public AttentionKernel Kernel { get; set; } = AttentionKernel.Fused;

    /// <summary>Dropout on the attention weights and output in training mode (upstream applies it in both places).</summary>
    public double Dropout { get; set; }

    /// <summary>The pre-attention norm.</summary>
    public LayerNorm Norm => _norm;

    /// <summary>The bias-free q/k/v projection.</summary>
    public QuantizableLinear ToQkv => _toQkv;

    /// <summary>The output projection (upstream to_out.0).</summary>
    public QuantizableLinear ToOut => _toOut;

    /// <summary>Attends over <paramref name="input"/> [B, N, D]; <paramref name="allowed"/> is the boolean [N, N] mask or null.</summary>
    public override Tensor forward(Tensor input, Tensor? allowed)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Attention.SplitHeads(Project(input), _heads);
        Tensor attended;
        if (training && Dropout > 0)
        {
            // Dropout sits on the attention weights upstream, which the fused kernel can express only as its own dropout.
            attended = nn.functional.scaled_dot_product_attention(q, k, v, allowed, Dropout);
        }
        else
        {
            attended = PhaseProfile.Time("predictor attention", () => Attention.Compute(q, k, v, allowed, Kernel));
        }

        var output = PhaseProfile.Time("predictor out", () => _toOut.forward(Attention.MergeHeads(attended)));
        if (training && Dropout > 0)
        {
            output = nn.functional.dropout(output, Dropout, true);
        }

        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inference for <paramref name="input"/> [B, m·P, D], m frames that follow the <paramref name="cache"/>'s frames:
    /// each new frame attends to every earlier frame and itself, computed frame by frame without a mask (so the fused
    /// kernel can take its fastest unmasked path). With <paramref name="lastFrameOnly"/> only the last frame's output
    /// [B, P, D] is computed; keys and values of all m frames are still made and, with <paramref name="store"/>, cached.
    /// </summary>
    internal Tensor ForwardAppended(Tensor input, PredictorKeyValueCache cache, int layer, long patchesPerFrame, bool lastFrameOnly, bool store)
    {
        using var scope = NewDisposeScope();
        var (q, k, v) = Attention.SplitHeads(Project(input), _heads);
        Tensor values = v;
        var keys = PhaseProfile.Time("predictor kv cache", () =>
        {
            (var cachedKeys, values) = cache.Extend(layer, k, v, store);
            return cachedKeys;
        });
        var newFrames = input.shape[1] / patchesPerFrame;
        var first = lastFrameOnly ? newFrames - 1 : 0;
        var attended = PhaseProfile.Time("predictor attention", () =>
        {
            var parts = new List<Tensor>();
            for (var j = first; j < newFrames; j++)
            {
                var visible = (cache.Frames + j + 1) * patchesPerFrame;
                var queries = q.narrow(2, j * patchesPerFrame, patchesPerFrame);
                parts.Add(Attention.Compute(queries, keys.narrow(2, 0, visible), values.narrow(2, 0, visible), null, Kernel));
            }

            return parts.Count == 1 ? parts[0] : cat(parts, 2);
        });
        return PhaseProfile.Time("predictor out", () => _toOut.forward(Attention.MergeHeads(attended))).MoveToOuterDisposeScope();
    }

    private Tensor Project(Tensor input)
    {
        var normed = PhaseProfile.Time("predictor norm", () => _norm.forward(input));
        return PhaseProfile.Time("predictor qkv", () => _toQkv.forward(normed));
    }
}
