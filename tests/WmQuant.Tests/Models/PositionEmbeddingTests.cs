using TorchSharp;
using WmQuant.Models;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

public class PositionEmbeddingTests
{
    // PyTorch's bicubic kernel (A = -0.75), written out.
    private static double Cubic(double x)
    {
        const double a = -0.75;
        x = Math.Abs(x);
        return x <= 1 ? ((a + 2) * x * x * x) - ((a + 3) * x * x) + 1
            : x < 2 ? (a * x * x * x) - (5 * a * x * x) + (8 * a * x) - (4 * a)
            : 0;
    }

    // One axis of upsampling with a given scale factor: source = (i + 0.5) / scale - 0.5, clamped taps (align_corners false).
    private static double[,] AxisWeights(int input, int output, double scale)
    {
        var w = new double[output, input];
        for (var i = 0; i < output; i++)
        {
            var source = ((i + 0.5) / scale) - 0.5;
            var floor = (int)Math.Floor(source);
            var t = source - floor;
            for (var k = -1; k <= 2; k++)
            {
                var index = Math.Clamp(floor + k, 0, input - 1);
                w[i, index] += Cubic(t - k);
            }
        }

        return w;
    }

    [Test]
    public void Interpolation_uses_dinov2_scale_factor_with_the_offset()
    {
        using var scope = NewDisposeScope();
        var config = ModelTestSupport.Tiny() with { Encoder = ModelTestSupport.Tiny().Encoder with { PosEmbedGrid = 5 } };
        using var model = new DinoWorldModel(config, seed: 2);
        var grid = 2;
        var actual = model.Encoder.PositionEmbeddingFor(grid).to_type(ScalarType.Float64);

        var m = 5;
        var dim = 24;
        var stored = model.Encoder.PosEmbed.to_type(ScalarType.Float64);
        var w = AxisWeights(m, grid, (grid + 0.1) / m);
        var weights = tensor(w.Cast<double>().ToArray(), [grid, m], ScalarType.Float64);
        // Separable: rows then columns over the [M, M, D] grid.
        var patches = stored[0, 1..].reshape(m, m, dim);
        var expected = einsum("ir,jc,rcd->ijd", weights, weights, patches).reshape(grid * grid, dim);

        Assert.That(actual.shape, Is.EqualTo(new long[] { 1, 5, dim }));
        Assert.That(ModelTestSupport.Identical(actual[0, 0], stored[0, 0]), Is.True, "CLS position kept");
        Assert.That((actual[0, 1..] - expected).abs().max().item<double>(), Is.LessThan(1e-5));

        // Without the offset (size-based) the values differ: the offset matters.
        var sized = nn.functional.interpolate(model.Encoder.PosEmbed[.., 1..].reshape(1, m, m, dim).permute(0, 3, 1, 2), size: [grid, grid], mode: InterpolationMode.Bicubic)
            .permute(0, 2, 3, 1).reshape(grid * grid, dim).to_type(ScalarType.Float64);
        Assert.That((actual[0, 1..] - sized).abs().max().item<double>(), Is.GreaterThan(1e-4));
    }

    [Test]
    public void Matching_grid_uses_the_stored_embedding_unchanged()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Tiny(), seed: 2);
        Assert.That(ModelTestSupport.Identical(model.Encoder.PositionEmbeddingFor(2), model.Encoder.PosEmbed), Is.True);
    }

    [Test]
    public void Full_size_geometry_encodes_224_pixel_frames_into_196_tokens()
    {
        using var scope = NewDisposeScope();
        // dinov2-vits14's geometry (37×37 stored positions, 14 px patches, 196 px input) with a narrow, shallow encoder to stay fast.
        var full = ModelTestSupport.Shipped("dinov2-vits14");
        var narrow = full with
        {
            Encoder = full.Encoder with { Dim = 12, Depth = 1, Heads = 2, MlpDim = 16 },
            Predictor = full.Predictor with { Depth = 1, Heads = 2, DimHead = 8, MlpDim = 16 },
            Decoder = full.Decoder with { Enabled = false },
        };
        using var model = new DinoWorldModel(narrow, seed: 3);
        var latent = model.EncodeObservations(rand([1, 2, 3, 224, 224], generator: new Generator(4)), zeros(1, 2, 4));
        Assert.That(latent.Visual.shape, Is.EqualTo(new long[] { 1, 2, 196, 12 }));
        Assert.That(model.Encoder.PositionEmbeddingFor(14).shape, Is.EqualTo(new long[] { 1, 197, 12 }));
        Assert.That(latent.Visual.isfinite().all().item<bool>(), Is.True);
    }
}
