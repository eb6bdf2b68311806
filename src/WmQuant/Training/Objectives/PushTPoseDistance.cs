using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Training.Objectives;

/// <summary>
/// How far apart two rendered PushT scenes are, measured from the pixels alone: how far the T block's
/// silhouette must move to match the other's, plus how far the pusher must travel. It is the PushT
/// counterpart of <see cref="PixelGeodesics"/> for <see cref="ReachabilityLoss"/>: success in PushT is a
/// block pose (and pusher position), and an autoencoder's latent distance barely follows the block's pose
/// (measured: the visual term rose only from 0.157 to 0.213 over the whole range of state distances), so
/// CEM was steered by the pusher alone.
/// </summary>
/// <remarks>
/// <para>
/// The block is found by colour (fill (142, 163, 183) or outline (119, 136, 153), within
/// <see cref="ColourTolerance"/>), the pusher by its blue tint. The block term between frames A and B is the
/// mean, over the part of A's silhouette that B does not cover, of the distance to B's silhouette (and the
/// same from B to A, averaged). Normalising by the uncovered part rather than by the whole silhouette keeps
/// the term roughly linear in the displacement near zero (a shift of t leaves strips of width t whose mean
/// distance is about t/2) and equal to the displacement once the silhouettes separate; a plain chamfer
/// distance is quadratic near zero, which would leave the planner's objective flat exactly where
/// success is decided.
/// </para>
/// <para>
/// Distances to a silhouette are exact Euclidean distances to its <see cref="MaxSilhouettePixels"/>
/// strongest pixels (the T covers about 100 pixels at 64 px). Batched over frames on their device,
/// without gradients.
/// </para>
/// </remarks>
public static class PushTPoseDistance
{
    /// <summary>
    /// Largest sine of the angle between a pixel's darkness (1 − RGB) and the block colour's that counts as block:
    /// anti-aliased blends of the block with the white floor lie on that line (sine 0, outline 0.03), the grey
    /// walls at 0.18, the blue pusher at 0.33, the green goal anchor at 0.51.
    /// </summary>
    public const double ColourTolerance = 0.1;

    /// <summary>Uncovered silhouette mass (pixels) added to the block term's denominator, so faint stray pixels of two nearly identical frames cannot dominate it.</summary>
    public const double UncoveredFloor = 1.0;

    /// <summary>Silhouette pixels kept per frame for its distance field.</summary>
    public const int MaxSilhouettePixels = 256;

    /// <summary>Weight of the pusher's travel (image pixels) next to the block term.</summary>
    public const double PusherWeight = 0.5;

    private static readonly float[] Fill = [142 / 255f, 163 / 255f, 183 / 255f];
    private static readonly float[] Outline = [119 / 255f, 136 / 255f, 153 / 255f];

    /// <summary>
    /// Pairwise distances [B, B] in image pixels between the scenes of <paramref name="images"/> [B, 3, S, S]
    /// (values in [0, 1]): block term + <see cref="PusherWeight"/> × pusher travel. +∞ where a frame shows
    /// no block (nothing to compare). Symmetric, zero on the diagonal.
    /// </summary>
    public static Tensor Pairwise(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] != images.shape[3])
        {
            throw new ArgumentException($"expected square RGB frames [B, 3, S, S], got [{string.Join(", ", images.shape)}]", nameof(images));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = images.to_type(ScalarType.Float32);
        var grid = Grid(x.shape[2], x.device);
        var block = BlockSilhouette(x);
        var total = BlockTerm(block, grid).Add(PusherTravel(x, grid).Mul(PusherWeight));
        var b = x.shape[0];
        var empty = block.sum([1]).Lt(0.5);
        var missing = empty.unsqueeze(0).logical_or(empty.unsqueeze(1));
        var result = where(missing, ScalarOps.FullLike(total, double.PositiveInfinity), total);
        return (result * eye(b, dtype: ScalarType.Float32, device: x.device).RSub(1)).nan_to_num(0, double.PositiveInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Block membership [B, S·S] in [0, 1] of every pixel: how much of the block's fill (or outline) colour is
    /// blended with the white floor there (anti-aliased edges count in part), falling to 0 as the colour's hue
    /// leaves the block's by <see cref="ColourTolerance"/> (the green goal anchor, the blue pusher and the grey walls do).
    /// </summary>
    public static Tensor BlockSilhouette(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var b = images.shape[0];
        var darkness = images.reshape(b, 3, -1).RSub(1);
        return maximum(Blend(darkness, Fill), Blend(darkness, Outline)).MoveToOuterDisposeScope();
    }

    // Share of colour in a white-colour blend (clamped to [0, 1]), times how close the hue is to the colour's.
    private static Tensor Blend(Tensor darkness, float[] colour)
    {
        var direction = tensor(colour.Select(c => 1 - c).ToArray(), device: darkness.device).reshape(1, 3, 1);
        var share = (darkness * direction).sum([1], keepdim: true) / direction.Pow(2).sum();
        var residual = (darkness - (share * direction)).Pow(2).sum([1]).sqrt();
        var sine = residual / darkness.Pow(2).sum([1]).sqrt().Add(1e-6);
        return share.squeeze(1).Clamp(0, 1) * sine.Div(ColourTolerance).RSub(1).Clamp(0, 1);
    }

    // Pairwise block term [B, B] over pixel centres `coordinates` [N, 2]: mean distance of each silhouette's uncovered part to the other silhouette, symmetrised.
    private static Tensor BlockTerm(Tensor silhouette, Tensor coordinates)
    {
        var b = silhouette.shape[0];
        var pixels = silhouette.shape[1];
        var keep = Math.Min(MaxSilhouettePixels, pixels);
        var (strength, index) = silhouette.topk((int)keep, dim: 1);            // [B, K]
        var points = coordinates.index_select(0, index.reshape(-1)).reshape(b, keep, 2);
        var toPoints = (coordinates.reshape(1, pixels, 1, 2) - points.reshape(b, 1, keep, 2)).Pow(2).sum([3]).sqrt(); // [B, N, K]
        var invalid = strength.Lt(0.5).unsqueeze(1);
        var field = where(invalid, ScalarOps.FullLike(toPoints, 1e6), toPoints).amin([2]); // [B, N]: distance to frame j's silhouette
        // uncovered[i, j, n] = how much pixel n belongs to i's silhouette but not to j's.
        var uncovered = (silhouette.unsqueeze(1) - silhouette.unsqueeze(0)).ClampMin(0); // [B, B, N]
        var weighted = (uncovered * field.unsqueeze(0)).sum([2]);
        var directed = weighted / uncovered.sum([2]).Add(UncoveredFloor);
        return directed.Add(directed.t()).Mul(0.5);
    }

    // Pairwise distance [B, B] in pixels between the pushers' blue-tint centroids.
    private static Tensor PusherTravel(Tensor images, Tensor coordinates)
    {
        var b = images.shape[0];
        var tint = (images.select(1, 2) - images.select(1, 0).Add(images.select(1, 1)).Mul(0.5)).Sub(0.2).Div(0.3).Clamp(0, 1).reshape(b, -1);
        var mass = tint.sum([1], keepdim: true).Add(1e-6);
        var centroid = tint.matmul(coordinates) / mass;               // [B, 2]
        return (centroid.unsqueeze(1) - centroid.unsqueeze(0)).Pow(2).sum([2]).sqrt();
    }

    // Pixel centres (x, y) of an S×S image in row-major order, [S·S, 2].
    private static Tensor Grid(long size, Device device)
    {
        var axis = ScalarOps.Arange(size, ScalarType.Float32, device);
        var ys = axis.reshape(size, 1).expand(size, size).reshape(-1);
        var xs = axis.reshape(1, size).expand(size, size).reshape(-1);
        return stack([xs, ys], 1);
    }
}
