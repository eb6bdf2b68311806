using TorchSharp.Modules;
using WmQuant.Models.Diagnostics;
using WmQuant.Models.Layers;
using static TorchSharp.torch;

namespace WmQuant.Models.Predictor;

/// <summary>Predictor feed-forward (upstream layers.i.1.net): LayerNorm (0), Linear (1), GELU, Dropout, Linear (4), Dropout.</summary>
public sealed class PredictorFeedForward : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm _norm;
    private readonly QuantizableLinear _fc1;
    private readonly QuantizableLinear _fc2;

    /// <summary>Creates dim → hidden → dim with a leading norm.</summary>
    public PredictorFeedForward(long dim, long hidden, double eps) : base(nameof(PredictorFeedForward))
    {
        _norm = nn.LayerNorm(dim, eps);
        _fc1 = new QuantizableLinear(dim, hidden);
        _fc2 = new QuantizableLinear(hidden, dim);
        register_module("net", new IndexedChildren(("0", _norm), ("1", _fc1), ("4", _fc2)));
    }

    /// <summary>Children are registered by hand under their upstream names; field-based registration would add them twice.</summary>
    protected override void RegisterComponents()
    {
    }

    /// <summary>Dropout after GELU and after the last Linear, in training mode only.</summary>
    public double Dropout { get; set; }

    /// <summary>The leading norm (net.0).</summary>
    public LayerNorm Norm => _norm;

    /// <summary>The expanding projection (net.1).</summary>
    public QuantizableLinear Fc1 => _fc1;

    /// <summary>The contracting projection (net.4).</summary>
    public QuantizableLinear Fc2 => _fc2;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var dropping = training && Dropout > 0;
        var normed = PhaseProfile.Time("predictor norm", () => _norm.forward(input));
        var hidden = PhaseProfile.Time("predictor fc1", () => _fc1.forward(normed));
        var h = PhaseProfile.Time("predictor gelu", () => nn.functional.gelu(hidden));
        if (dropping)
        {
            h = nn.functional.dropout(h, Dropout, true);
        }

        var output = PhaseProfile.Time("predictor fc2", () => _fc2.forward(h));
        if (dropping)
        {
            output = nn.functional.dropout(output, Dropout, true);
        }

        return output.MoveToOuterDisposeScope();
    }
}
