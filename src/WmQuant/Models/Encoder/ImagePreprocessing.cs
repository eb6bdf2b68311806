using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Encoder;

/// <summary>DINO-WM's image transform: [0,1] → [-1,1] (mean 0.5, std 0.5), then an antialiased bilinear resize to the encoder size.</summary>
public static class ImagePreprocessing
{
    /// <summary>Maps [N, 3, H, W] images in [0,1] to the encoder's input at <paramref name="size"/>×<paramref name="size"/>, in <paramref name="dtype"/>.</summary>
    public static Tensor ToEncoderInput(Tensor images, int size, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var x = images.to_type(ScalarType.Float32).Mul(2.0).Sub(1.0);
        if (x.shape[2] != size || x.shape[3] != size)
        {
            x = nn.functional.interpolate(x, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        }

        return x.to_type(dtype).MoveToOuterDisposeScope();
    }
}
