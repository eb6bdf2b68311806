using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Training.Objectives;

/// <summary>
/// Shortest-path distances between the agents of rendered DotWall-style frames, computed from the pixels
/// alone: the agent is the red-tinted blob (its intensity-weighted centroid), walls are the dark pixels, and
/// a path may only cross bright pixels. This is the "reachability" a planner needs the latent to reflect:
/// two dots on either side of a wall are far apart even when their straight-line distance is small.
/// </summary>
/// <remarks>
/// Distances are found on a grid of half the image resolution (2×2 pixels per cell, a cell free when most
/// of it is) by repeated 8-neighbour relaxation (chamfer costs 1 and √2, within ~8% of Euclidean),
/// batched over frames on the frames' device, without gradients.
/// </remarks>
public static class PixelGeodesics
{
    /// <summary>Pixels per grid cell along each axis.</summary>
    public const int CellSize = 2;

    /// <summary>
    /// Pairwise distances [B, B] in image pixels between the agents of <paramref name="images"/> [B, 3, S, S]
    /// (values in [0, 1]); +∞ where no free path joins two frames. Symmetric, zero on the diagonal.
    /// </summary>
    public static Tensor Pairwise(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] % CellSize != 0 || images.shape[2] != images.shape[3])
        {
            throw new ArgumentException($"expected square RGB frames [B, 3, S, S] with S even, got [{string.Join(", ", images.shape)}]", nameof(images));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = images.to_type(ScalarType.Float32);
        var b = x.shape[0];
        var size = x.shape[2];
        var cells = size / CellSize;
        var (cx, cy) = Centroids(x);
        var free = nn.functional.avg_pool2d(x.select(1, 0).Gt(0.5).to_type(ScalarType.Float32).unsqueeze(1), CellSize).squeeze(1).Ge(0.5);

        // Cell coordinates of the centroids (cell k covers pixels [2k, 2k+1], centre 2k + 0.5).
        var hx = cx.Sub(0.5).Div(CellSize).reshape(b, 1, 1);
        var hy = cy.Sub(0.5).Div(CellSize).reshape(b, 1, 1);
        var grid = ScalarOps.Arange(cells, ScalarType.Float32, x.device);
        var seedDistance = (grid.reshape(1, 1, cells) - hx).Pow(2).Add((grid.reshape(1, cells, 1) - hy).Pow(2)).sqrt();
        var seeds = seedDistance.Le(1.5);
        var passable = free.logical_or(seeds);
        var infinity = ScalarOps.Full([b, cells, cells], double.PositiveInfinity, ScalarType.Float32, x.device);
        var distance = where(seeds, seedDistance, infinity);
        distance = Relax(distance, passable, cells, infinity);

        // Read each field at every agent's cell, forgiving one cell (an agent pushed against a wall may sit in a wall cell).
        var neighbourhood = -nn.functional.max_pool2d(-distance.unsqueeze(1), 3, 1, 1).squeeze(1);
        var relaxed = where(distance.isfinite(), distance, neighbourhood);
        var ix = hx.reshape(b).round().Clamp(0, cells - 1).to_type(ScalarType.Int64);
        var iy = hy.reshape(b).round().Clamp(0, cells - 1).to_type(ScalarType.Int64);
        var flat = iy.Mul(cells).Add(ix);
        var pairwise = relaxed.reshape(b, cells * cells).index_select(1, flat);
        var symmetric = pairwise.Add(pairwise.t()).Mul(0.5 * CellSize);
        return (symmetric * eye(b, dtype: ScalarType.Float32, device: x.device).RSub(1)).nan_to_num(0, double.PositiveInfinity).MoveToOuterDisposeScope();
    }

    /// <summary>Intensity-weighted centroids (x, y) in pixels of the agents of frames [B, 3, S, S]: red minus green is the agent's tint.</summary>
    public static (Tensor X, Tensor Y) Centroids(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var tint = (images.select(1, 0) - images.select(1, 1)).ClampMin(0);
        var size = images.shape[2];
        var coordinate = ScalarOps.Arange(size, ScalarType.Float32, images.device);
        var mass = tint.sum([1, 2]).Add(1e-6);
        var x = (tint * coordinate.reshape(1, 1, size)).sum([1, 2]) / mass;
        var y = (tint * coordinate.reshape(1, size, 1)).sum([1, 2]) / mass;
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }

    private static Tensor Relax(Tensor distance, Tensor passable, long cells, Tensor infinity)
    {
        var diagonal = Math.Sqrt(2);
        (int Dy, int Dx, double Cost)[] neighbours =
        [
            (-1, 0, 1), (1, 0, 1), (0, -1, 1), (0, 1, 1),
            (-1, -1, diagonal), (-1, 1, diagonal), (1, -1, diagonal), (1, 1, diagonal),
        ];

        // A path visits at most every cell once; in practice it converges in about the grid's longest detour.
        var maxIterations = (int)(cells * cells);
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            using var scope = NewDisposeScope();
            var padded = nn.functional.pad(distance, [1, 1, 1, 1], TorchSharp.PaddingModes.Constant, double.PositiveInfinity);
            var next = distance;
            foreach (var (dy, dx, cost) in neighbours)
            {
                next = minimum(next, padded.narrow(1, 1 + dy, cells).narrow(2, 1 + dx, cells).Add(cost));
            }

            next = where(passable, next, infinity);
            var settled = iteration % 8 == 7 && next.eq(distance).all().item<bool>();
            distance = next.MoveToOuterDisposeScope();
            if (settled)
            {
                break;
            }
        }

        return distance;
    }
}
