using WmQuant.Models;
using WmQuant.Models.Diagnostics;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models.Diagnostics;

public sealed class DiagnosticsTests
{
    private static DinoWorldModel Model(int numHist) => new(ModelTestSupport.Tiny(numHist) with { Decoder = new WmQuant.Models.Config.DecoderConfig { Enabled = true, Channels = 4, Upsamplings = 1 } }, seed: 3);

    [Test]
    public void CopyingTheLastFrameOfAStillSceneIsExactAndTheModelIsComparedStepByStep()
    {
        using var model = Model(numHist: 2);
        var size = model.Config.ImageSize;
        var still = rand([3, 1, 3, size, size], generator: new Generator(1)).expand(3, 5, 3, size, size).contiguous();
        var proprio = zeros([3, 5, model.Config.ProprioDim]);
        var actions = randn([3, 4, model.Config.ActionInputDim], generator: new Generator(2));

        var (report, predicted) = OpenLoopCheck.Run(model, still, proprio, actions);

        // Step 1 by hand: one prediction from the two observed frames.
        var real = model.EncodeObservations(still, proprio);
        var first = model.Rollout(real.SliceFrames(0, 2), actions[.., ..2]);
        var expected = (first.Visual[.., 2] - real.Visual[.., 2]).Pow(2).mean().item<float>();
        Assert.Multiple(() =>
        {
            Assert.That(report.Steps, Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(report.CopyLastVisualMse, Has.All.EqualTo(0));
            Assert.That(report.ModelVisualMse[0], Is.EqualTo(expected).Within(1e-6));
            Assert.That(report.ModelVisualMse, Has.All.GreaterThan(0), "an untrained predictor does not copy its input");
            Assert.That(predicted.shape, Is.EqualTo(new long[] { 3, 3, real.Visual.shape[2], real.Visual.shape[3] }));
        });
    }

    [Test]
    public void Reconstruction_tiles_hold_the_real_decoded_and_predicted_rows_as_bytes()
    {
        using var model = Model(numHist: 1);
        var size = model.Config.ImageSize;
        var frames = rand([2, 4, 3, size, size], generator: new Generator(4));
        var predicted = model.EncodeVisual(frames.reshape(8, 3, size, size)).reshape(2, 4, -1, model.Config.Encoder.Dim)[.., 1..];

        using var tiles = DecoderReconstructions.Tiles(model, frames, predicted);

        static int[] Bytes(Tensor chw) => [.. chw.Clamp(0, 1).Mul(255).round().to_type(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray().Select(b => (int)b)];
        static int[] Tile(Tensor tile) => [.. tile.data<byte>().ToArray().Select(b => (int)b)];
        using var decoded = model.Decode(model.EncodeVisual(frames.reshape(8, 3, size, size))).reshape(2, 4, 3, size, size);
        Assert.Multiple(() =>
        {
            Assert.That(tiles.shape, Is.EqualTo(new long[] { 2, 3, 4, size, size, 3 }), "episode, row, column, HWC");
            Assert.That(tiles.dtype, Is.EqualTo(ScalarType.Byte));
            Assert.That(Tile(tiles[0, DecoderReconstructions.RealRow, 0]), Is.EqualTo(Bytes(frames[0, 0])), "real row: the frames");
            Assert.That(Tile(tiles[1, DecoderReconstructions.DecodedRow, 2]), Is.EqualTo(Bytes(decoded[1, 2])), "decoded row: decode(encode(frame))");
            Assert.That(Tile(tiles[1, DecoderReconstructions.PredictedRow, 0]), Is.EqualTo(Tile(tiles[1, DecoderReconstructions.DecodedRow, 0])),
                "the predicted row starts at the observed frame's reconstruction");
            // The predictions here are the real latents, so they decode like the real frames (up to batch-size rounding).
            Assert.That(Tile(tiles[1, DecoderReconstructions.PredictedRow, 3]), Is.EqualTo(Bytes(decoded[1, 3])).Within(1));
        });
    }

    [Test]
    public void SpearmanRanksAndBandsCountEveryFinitePair()
    {
        Assert.That(LatentDistanceProfile.Spearman([1, 2, 3, 4], [10, 20, 25, 100]), Is.EqualTo(1).Within(1e-12));
        Assert.That(LatentDistanceProfile.Spearman([1, 2, 3, 4], [4, 3, 2, 1]), Is.EqualTo(-1).Within(1e-12));

        using var model = Model(numHist: 1);
        var size = model.Config.ImageSize;
        var frames = rand([5, 3, size, size], generator: new Generator(5));
        var proprio = randn([5, model.Config.ProprioDim], generator: new Generator(6));
        var reference = new double[25];
        for (var i = 0; i < 5; i++)
        {
            for (var j = 0; j < 5; j++)
            {
                reference[(i * 5) + j] = i == 0 && j == 1 ? double.PositiveInfinity : Math.Abs(i - j);
            }
        }

        var profile = LatentDistanceProfile.Compute(model, frames, proprio, reference, "index distance", bands: 4);
        Assert.Multiple(() =>
        {
            Assert.That(profile.Bands.Sum(b => b.Pairs), Is.EqualTo(9), "ten pairs, one without a finite reference");
            Assert.That(profile.Bands[^1].To, Is.EqualTo(4));
            Assert.That(profile.ProprioSpearman, Is.InRange(-1, 1));
        });
    }
}
