using WmQuant.Environments.PushT;
using WmQuant.Tests.Support;
using WmQuant.Training.Objectives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Training;

public sealed class PushTPoseDistanceTests
{
    private const int Size = 64;

    // Image pixels per world pixel of the 512 px PushT world.
    private const double Scale = Size / 512.0;

    private static Tensor Frames(params double[][] states) => FrameTensors.Render(new PushTRenderer(), Size, states);

    private static double[] State(double agentX, double agentY, double blockX, double blockY, double angle) => [agentX, agentY, blockX, blockY, angle, 0, 0];

    [Test]
    public void SilhouetteFindsTheBlockButNotTheGoalAnchorOrThePusher()
    {
        var silhouette = PushTPoseDistance.BlockSilhouette(Frames(State(100, 100, 350, 150, 0.3)));
        var area = silhouette.sum().item<float>();
        var expected = ((120 * 30) + (30 * 90)) * Scale * Scale; // about 98 pixels at 64 px
        Assert.That(area, Is.EqualTo(expected).Within(25).Percent);
    }

    [Test]
    public void BlockTermGrowsAboutLinearlyWithTheShiftFromTheFirstPixel()
    {
        var states = new List<double[]> { State(100, 400, 250, 200, 0.4) };
        var shifts = new[] { 8.0, 16, 32, 64, 128 };
        states.AddRange(shifts.Select(s => State(100, 400, 250 + s, 200, 0.4)));
        var d = PushTPoseDistance.Pairwise(Frames([.. states])).data<float>().ToArray();
        var fromStart = shifts.Select((_, k) => d[k + 1]).ToArray();

        Assert.Multiple(() =>
        {
            for (var k = 1; k < fromStart.Length; k++)
            {
                Assert.That(fromStart[k], Is.GreaterThan(fromStart[k - 1]), $"monotone at {shifts[k]} px");
            }

            // Not quadratic near zero: one image pixel of shift already costs a sizeable fraction of a pixel.
            Assert.That(fromStart[0], Is.GreaterThan(0.3), "1 image pixel");
            TestContext.Out.WriteLine("block term for shifts of " + string.Join(", ", shifts) + " world px: " + string.Join(", ", fromStart.Select(v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))));
            // Separated silhouettes: the distance to the nearest block pixel, at most the shift itself.
            Assert.That(fromStart[^1], Is.InRange(0.5 * 128 * Scale, 128 * Scale));
        });
    }

    [Test]
    public void RotationCountsAndThePusherCountsAtHalfWeight()
    {
        var d = PushTPoseDistance.Pairwise(Frames(
            State(100, 400, 250, 200, 0.4),
            State(100, 400, 250, 200, 0.4 + (Math.PI / 2)),
            State(180, 400, 250, 200, 0.4))).data<float>().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(d[1], Is.GreaterThan(3), "a quarter turn moves the block's pixels by several image pixels");
            Assert.That(d[2], Is.EqualTo(PushTPoseDistance.PusherWeight * 80 * Scale).Within(15).Percent, "only the pusher moved");
            Assert.That(d[3], Is.EqualTo(d[1]), "symmetric");
            Assert.That(d[0] + d[4] + d[8], Is.Zero, "zero on the diagonal");
        });
    }

    [Test]
    public void RejectsWhatIsNotABatchOfSquareRgbFrames() =>
        Assert.Throws<ArgumentException>(() => PushTPoseDistance.Pairwise(zeros(2, 1, 8, 8)));
}
