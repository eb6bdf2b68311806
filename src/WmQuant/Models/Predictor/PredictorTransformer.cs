using TorchSharp.Modules;
using static TorchSharp.torch;

namespace WmQuant.Models.Predictor;

/// <summary>The predictor's layer stack and final norm (upstream predictor.transformer).</summary>
public sealed class PredictorTransformer : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006 // Field names are the upstream state-dict names.
    private readonly ModuleList<PredictorLayer> layers;
    private readonly LayerNorm norm;
#pragma warning restore IDE1006

    /// <summary>Creates <paramref name="depth"/> layers and the final norm.</summary>
    public PredictorTransformer(long dim, int depth, long heads, long dimHead, long mlpDim, double eps) : base(nameof(PredictorTransformer))
    {
        layers = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => new PredictorLayer(dim, heads, dimHead, mlpDim, eps)).ToArray());
        norm = nn.LayerNorm(dim, eps);
        RegisterComponents();
    }

    /// <summary>The layers, in order.</summary>
    public IList<PredictorLayer> Layers => layers;

    /// <summary>The final norm.</summary>
    public LayerNorm Norm => norm;

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor? allowed)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in layers)
        {
            // call, not forward: module hooks run (calibration records layer inputs through them).
            x = layer.call(x, allowed);
        }

        return norm.forward(x).MoveToOuterDisposeScope();
    }
}
