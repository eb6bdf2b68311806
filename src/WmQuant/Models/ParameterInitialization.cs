using TorchSharp;
using TorchSharp.Modules;
using WmQuant.Models.Encoder;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models;

/// <summary>Deterministic initial values for a freshly built world model (every draw from one explicit seed).</summary>
internal static class ParameterInitialization
{
    public static void Apply(DinoWorldModel model, int seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();

        Tensor Normal(Tensor like, double std) => randn(like.shape, generator: generator).Mul(std);

        foreach (var (_, module) in model.named_modules())
        {
            switch (module)
            {
                case QuantizableLinear linear:
                    linear.Weight.copy_(Normal(linear.Weight, 0.02));
                    linear.Bias?.zero_();
                    break;
                case LayerNorm norm:
                    norm.weight!.FillInPlace(1.0);
                    norm.bias!.zero_();
                    break;
                case Conv1d conv:
                    conv.weight!.copy_(Normal(conv.weight, 1.0 / Math.Sqrt(conv.weight.shape[1])));
                    conv.bias!.zero_();
                    break;
                case Conv2d conv:
                    conv.weight!.copy_(Normal(conv.weight, 1.0 / Math.Sqrt(conv.weight.shape[1] * conv.weight.shape[2] * conv.weight.shape[3])));
                    conv.bias!.zero_();
                    break;
                case ConvTranspose2d conv:
                    conv.weight!.copy_(Normal(conv.weight, 1.0 / Math.Sqrt(conv.weight.shape[0] * conv.weight.shape[2] * conv.weight.shape[3] / 4.0)));
                    conv.bias!.zero_();
                    break;
                case DinoV2Encoder encoder:
                    encoder.ClsToken.copy_(Normal(encoder.ClsToken, 1e-6));
                    encoder.MaskToken.zero_();
                    encoder.PosEmbed.copy_(Normal(encoder.PosEmbed, 0.02));
                    encoder.RegisterTokens?.copy_(Normal(encoder.RegisterTokens, 1e-6));
                    break;
                default:
                    break;
            }
        }

        // Upstream draws the predictor's positional embedding from a unit normal (torch.randn).
        model.Predictor.PosEmbedding.copy_(Normal(model.Predictor.PosEmbedding, 1.0));
    }
}
