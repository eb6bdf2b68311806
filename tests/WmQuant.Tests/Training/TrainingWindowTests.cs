using WmQuant.Environments.Datasets;
using WmQuant.Training;

namespace WmQuant.Tests.Training;

public sealed class TrainingWindowTests
{
    [Test]
    public void FramesAreFrameskipApartAndCarryTheActionsThatFollowThem()
    {
        // 1-D trajectory whose action at env step t is t itself, so every value names its step.
        var actions = Enumerable.Range(0, 12).Select(t => (float)t).ToArray();
        var window = new TrainingWindow(Frames: 2, Frameskip: 3);
        var buffer = new float[window.Span];

        window.CopyActions(actions, actionDim: 1, start: 2, buffer);

        Assert.Multiple(() =>
        {
            Assert.That(window.FrameTime(2, 0), Is.EqualTo(2));
            Assert.That(window.FrameTime(2, 1), Is.EqualTo(5));
            Assert.That(buffer[..3], Is.EqualTo(new float[] { 2, 3, 4 }), "frame 0 (t=2) gets env actions 2,3,4");
            Assert.That(buffer[3..], Is.EqualTo(new float[] { 5, 6, 7 }), "frame 1 (t=5) gets env actions 5,6,7");
            Assert.That(window.StartCount(12), Is.EqualTo(7), "the last start (6) still has all 6 actions");
        });
    }

    [Test]
    public void MultiDimensionalActionsStayGroupedPerStep()
    {
        // action(t) = (t, 100 + t)
        var actions = Enumerable.Range(0, 8).SelectMany(t => new float[] { t, 100 + t }).ToArray();
        var window = new TrainingWindow(Frames: 2, Frameskip: 2);
        var buffer = new float[window.Span * 2];

        window.CopyActions(actions, actionDim: 2, start: 3, buffer);

        Assert.That(buffer, Is.EqualTo(new float[] { 3, 103, 4, 104, 5, 105, 6, 106 }));
    }

    [Test]
    public void TooShortTrajectoriesHaveNoWindowAndWrongBuffersAreRejected()
    {
        var window = new TrainingWindow(Frames: 4, Frameskip: 5);
        Assert.Multiple(() =>
        {
            Assert.That(window.StartCount(19), Is.Zero);
            Assert.That(window.StartCount(20), Is.EqualTo(1));
            Assert.Throws<ArgumentException>(() => window.CopyActions(new float[40], 2, 0, new float[39]));
        });
    }

    [Test]
    public void TrainingDataNormalisesActionsAndProprioWithTheCard()
    {
        var dataset = TrajectoryDataset.Open(TrainingTestSupport.DatasetDirectory);
        using var data = new TrainingData(dataset, imageSize: 16, cacheFrames: false);
        var card = dataset.Card;
        var trajectory = dataset.Get(4);

        Assert.Multiple(() =>
        {
            for (var t = 0; t < data.Steps; t++)
            {
                for (var d = 0; d < data.ActionDim; d++)
                {
                    var expected = (trajectory.Action(t)[d] - card.ActionMean[d]) / card.ActionStd[d];
                    Assert.That(data.NormalisedActions[4][(t * data.ActionDim) + d], Is.EqualTo(expected).Within(1e-5));
                }

                for (var d = 0; d < data.ProprioDim; d++)
                {
                    // Wall proprio is the dot position, i.e. the state.
                    var expected = (trajectory.State(t)[d] - card.ProprioMean[d]) / card.ProprioStd[d];
                    Assert.That(data.NormalisedProprio[4][(t * data.ProprioDim) + d], Is.EqualTo(expected).Within(1e-5));
                }
            }
        });
    }

    [Test]
    public void CachedAndRenderedFramesAgree()
    {
        var dataset = TrajectoryDataset.Open(TrainingTestSupport.DatasetDirectory);
        using var cached = new TrainingData(dataset, imageSize: 16, cacheFrames: true);
        using var rendered = new TrainingData(dataset, imageSize: 16, cacheFrames: false);
        (int, int)[] items = [(0, 0), (3, 7), (9, 20)];

        using var a = cached.Frames(items);
        using var b = rendered.Frames(items);
        var direct = dataset.RenderObservation(3, 7, 16);

        Assert.Multiple(() =>
        {
            Assert.That(a.shape, Is.EqualTo(new long[] { 3, 3, 16, 16 }));
            Assert.That(a.eq(b).all().item<bool>(), Is.True);
            Assert.That(a[1, 0, 5, 9].item<byte>(), Is.EqualTo(direct[9, 5].R), "CHW plane 0 is red at (x=9, y=5)");
            Assert.That(a[1, 2, 5, 9].item<byte>(), Is.EqualTo(direct[9, 5].B));
        });
    }
}
