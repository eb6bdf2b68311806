using SkiaSharp;
using static TorchSharp.torch;

namespace WmQuant.Models.Diagnostics;

/// <summary>
/// A PNG contact sheet that shows at a glance whether a world model predicts something sensible: per
/// episode three rows — the real frames, the decoder's reconstruction of their latents, and the decoding of
/// the latents the predictor imagined open loop — one column per step. The decoder only visualises; it
/// plays no part in planning.
/// </summary>
public static class ReconstructionSheet
{
    /// <summary>Gap in pixels between tiles and around the sheet.</summary>
    private const int Gap = 4;

    /// <summary>
    /// Renders the sheet. Columns are the last observed frame, then the K predicted steps; the predicted row
    /// shows the observed frame's reconstruction in its first column.
    /// </summary>
    /// <param name="model">A model with a decoder.</param>
    /// <param name="frames">Real frames [B, 1 + K, 3, S, S] in [0, 1] (the last observed frame, then K future frames).</param>
    /// <param name="predictedVisual">Predicted visual latents [B, K, P, D].</param>
    /// <param name="scale">Integer upscaling of every tile (nearest neighbour), so small frames stay readable.</param>
    /// <returns>PNG bytes.</returns>
    public static byte[] Render(DinoWorldModel model, Tensor frames, Tensor predictedVisual, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(predictedVisual);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var b = frames.shape[0];
        var columns = frames.shape[1];
        var k = predictedVisual.shape[1];
        if (k != columns - 1 || predictedVisual.shape[0] != b)
        {
            throw new ArgumentException($"{columns} frame columns need {columns - 1} predicted steps per episode; got [{string.Join(", ", predictedVisual.shape)}]");
        }

        var size = model.Config.ImageSize;
        var flatFrames = frames.reshape(b * columns, 3, frames.shape[3], frames.shape[4]).to(model.Device).to_type(ScalarType.Float32);
        if (frames.shape[3] != size)
        {
            // Full-size models see 224 px frames resized to 196 px; show them at the model's size.
            flatFrames = nn.functional.interpolate(flatFrames, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        }

        var realLatents = model.EncodeVisual(flatFrames);
        var decodedReal = model.Decode(realLatents).reshape(b, columns, 3, size, size);
        var decodedPredicted = model.Decode(predictedVisual.reshape(b * k, predictedVisual.shape[2], predictedVisual.shape[3])).reshape(b, k, 3, size, size);
        var predictedRow = cat([decodedReal[.., ..1], decodedPredicted], 1);
        var rows = new[] { flatFrames.reshape(b, columns, 3, size, size), decodedReal, predictedRow };

        var tile = size * scale;
        var width = Gap + ((int)columns * (tile + Gap));
        var height = Gap + ((int)b * ((3 * (tile + Gap)) + Gap));
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(64, 64, 64));
        for (var e = 0; e < b; e++)
        {
            for (var r = 0; r < rows.Length; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    var pixels = ToBytes(rows[r][e, c]);
                    var left = Gap + (c * (tile + Gap));
                    var top = Gap + (e * ((3 * (tile + Gap)) + Gap)) + (r * (tile + Gap));
                    Blit(bitmap, pixels, size, scale, left, top);
                }
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte[] ToBytes(Tensor chw) =>
        (chw.clamp(0, 1) * 255).round().to_type(ScalarType.Byte).permute(1, 2, 0).contiguous().cpu().data<byte>().ToArray();

    private static void Blit(SKBitmap bitmap, byte[] hwc, int size, int scale, int left, int top)
    {
        for (var y = 0; y < size * scale; y++)
        {
            for (var x = 0; x < size * scale; x++)
            {
                var i = (((y / scale) * size) + (x / scale)) * 3;
                bitmap.SetPixel(left + x, top + y, new SKColor(hwc[i], hwc[i + 1], hwc[i + 2]));
            }
        }
    }
}
