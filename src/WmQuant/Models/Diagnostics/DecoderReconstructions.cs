using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Models.Diagnostics;

/// <summary>
/// What shows at a glance whether a world model predicts something sensible: per episode three rows of frames —
/// the real frames, the decoder's reconstruction of their latents, and the decoding of the latents the predictor
/// imagined open loop — one column per step. Only the pixels: composing them into an image is the report
/// charts' job. The decoder only visualises; it plays no part in planning.
/// </summary>
public static class DecoderReconstructions
{
    /// <summary>Row of the real frames in <see cref="Tiles"/>.</summary>
    public const int RealRow = 0;

    /// <summary>Row of the decoded real latents.</summary>
    public const int DecodedRow = 1;

    /// <summary>Row of the decoded predictions; its first column is the observed frame's reconstruction, so columns line up.</summary>
    public const int PredictedRow = 2;

    /// <summary>
    /// The frames as 8-bit RGB tiles at the model's image size, [B, 3 rows, 1 + K columns, S, S, 3] (HWC) on the CPU;
    /// the caller owns the tensor.
    /// </summary>
    /// <param name="model">A model with a decoder.</param>
    /// <param name="frames">Real frames [B, 1 + K, 3, S', S'] in [0, 1] (the last observed frame, then K future frames).</param>
    /// <param name="predictedVisual">Predicted visual latents [B, K, P, D].</param>
    public static Tensor Tiles(DinoWorldModel model, Tensor frames, Tensor predictedVisual)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(predictedVisual);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var b = frames.shape[0];
        var columns = frames.shape[1];
        var k = predictedVisual.shape[1];
        if (k != columns - 1 || predictedVisual.shape[0] != b)
        {
            throw new ArgumentException(
                $"{columns} frame columns need {columns - 1} predicted steps per episode; got [{string.Join(", ", predictedVisual.shape)}]");
        }

        var size = model.Config.ImageSize;
        var flatFrames = frames.reshape(b * columns, 3, frames.shape[3], frames.shape[4]).to(model.Device).to_type(ScalarType.Float32);
        if (frames.shape[3] != size)
        {
            // Full-size models see 224 px frames resized to 196 px; show them at the model's size.
            flatFrames = nn.functional.interpolate(
                flatFrames, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        }

        var realLatents = model.EncodeVisual(flatFrames);
        var decodedReal = model.Decode(realLatents).reshape(b, columns, 3, size, size);
        var decodedPredicted = model.Decode(predictedVisual.reshape(b * k, predictedVisual.shape[2], predictedVisual.shape[3]))
            .reshape(b, k, 3, size, size);
        var predictedRow = cat([decodedReal[.., ..1], decodedPredicted], 1);
        var rows = stack([flatFrames.reshape(b, columns, 3, size, size), decodedReal, predictedRow], 1);
        return rows.to_type(ScalarType.Float32).Clamp(0, 1).Mul(255).round().to_type(ScalarType.Byte)
            .permute(0, 1, 2, 4, 5, 3).contiguous().cpu().MoveToOuterDisposeScope();
    }
}
