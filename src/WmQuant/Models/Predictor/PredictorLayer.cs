using WmQuant.Models.Diagnostics;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Predictor;

/// <summary>One predictor layer (upstream ModuleList [attention "0", feed-forward "1"]), both residual.</summary>
public sealed class PredictorLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly PredictorAttention _attention;
    private readonly PredictorFeedForward _feedForward;

    /// <summary>Creates a layer.</summary>
    public PredictorLayer(long dim, long heads, long dimHead, long mlpDim, double eps) : base(nameof(PredictorLayer))
    {
        _attention = new PredictorAttention(dim, heads, dimHead, eps);
        _feedForward = new PredictorFeedForward(dim, mlpDim, eps);
        register_module("0", _attention);
        register_module("1", _feedForward);
    }

    /// <summary>Children are registered by hand under their upstream names; field-based registration would add them twice.</summary>
    protected override void RegisterComponents()
    {
    }

    /// <summary>The attention half.</summary>
    public PredictorAttention Attention => _attention;

    /// <summary>The feed-forward half.</summary>
    public PredictorFeedForward FeedForward => _feedForward;

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor? allowed)
    {
        using var scope = NewDisposeScope();
        var x = input.Add(_attention.forward(input, allowed));
        x = x.Add(_feedForward.forward(x));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Inference for new frames after the cached ones (see <see cref="PredictorAttention.ForwardAppended"/>); with <paramref name="lastFrameOnly"/> returns the last frame's [B, P, D] only.</summary>
    internal Tensor ForwardAppended(Tensor input, PredictorKeyValueCache cache, int layer, long patchesPerFrame, bool lastFrameOnly, bool store)
    {
        using var scope = NewDisposeScope();
        var residual = lastFrameOnly ? input.narrow(1, input.shape[1] - patchesPerFrame, patchesPerFrame) : input;
        var attended = _attention.ForwardAppended(input, cache, layer, patchesPerFrame, lastFrameOnly, store);
        var x = PhaseProfile.Time("predictor residual", () => residual.Add(attended));
        var fed = _feedForward.forward(x);
        return PhaseProfile.Time("predictor residual", () => x.Add(fed)).MoveToOuterDisposeScope();
    }
}
