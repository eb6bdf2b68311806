using TorchSharp.Modules;
using WmQuant.Models.Config;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Decoder;

/// <summary>
/// Convolutional decoder from visual patch tokens [N, P, Dv] back to images [N, 3, S, S] in [0,1],
/// for reconstructions in reports (never used by planning). Layout (this project's own):
/// conv_in (3×3, Dv → C), ups.i (4×4 stride-2 transposed conv C → C, then GELU) for each
/// upsampling, conv_out (3×3, C → 3), tanh mapped to [0,1], bilinear resize to image_size if the
/// grid × 2^upsamplings differs.
/// </summary>
public sealed class PatchGridDecoder : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict names.
    private readonly Conv2d conv_in;
    private readonly ModuleList<ConvTranspose2d> ups;
    private readonly Conv2d conv_out;
#pragma warning restore IDE1006
    private readonly int _grid;
    private readonly int _imageSize;

    /// <summary>Creates the decoder for <paramref name="visualDim"/>-wide tokens on a <paramref name="grid"/>² grid.</summary>
    public PatchGridDecoder(DecoderConfig config, long visualDim, int grid, int imageSize) : base(nameof(PatchGridDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        _grid = grid;
        _imageSize = imageSize;
        var c = config.Channels;
        conv_in = nn.Conv2d(visualDim, c, 3, padding: 1);
        ups = nn.ModuleList(Enumerable.Range(0, config.Upsamplings)
            .Select(_ => nn.ConvTranspose2d(c, c, 4, stride: 2, padding: 1))
            .ToArray());
        conv_out = nn.Conv2d(c, 3, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var n = input.shape[0];
        var x = input.transpose(1, 2).reshape(n, input.shape[2], _grid, _grid);
        x = nn.functional.gelu(conv_in.forward(x));
        foreach (var up in ups)
        {
            x = nn.functional.gelu(up.forward(x));
        }

        x = conv_out.forward(x).tanh().Add(1.0).Mul(0.5);
        if (x.shape[2] != _imageSize)
        {
            x = nn.functional.interpolate(x, size: [_imageSize, _imageSize], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        }

        return x.MoveToOuterDisposeScope();
    }
}
