using TorchSharp.Modules;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Layers;

/// <summary>DINOv2's LayerScale: a learned per-channel gain on each residual branch (name "gamma").</summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field name is the upstream state-dict name.
    private Parameter gamma;
#pragma warning restore IDE1006

    /// <summary>Creates a gain of <paramref name="dim"/> channels filled with <paramref name="init"/>.</summary>
    public LayerScale(long dim, double init) : base(nameof(LayerScale))
    {
        gamma = nn.Parameter(ScalarOps.Full([dim], init));
        RegisterComponents();
    }

    /// <summary>The per-channel gain; AWQ-style methods fold it into the preceding Linear.</summary>
    public Parameter Gamma => gamma;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => input * gamma;
}
