using WmQuant.Environments.Datasets;
using WmQuant.Environments.Wall;

namespace WmQuant.Tests.Environments;

public sealed class DatasetsExplorationTests
{
    private static readonly GeneratedDataset Data = new WallExplorationGenerator().Generate(trajectories: 200, steps: 50, seed: 11);

    [Test]
    public void StatesFollowTheDynamicsAndTheSeedFixesEverything()
    {
        var again = new WallExplorationGenerator().Generate(trajectories: 200, steps: 50, seed: 11);
        var other = new WallExplorationGenerator().Generate(trajectories: 200, steps: 50, seed: 12);
        Assert.That(again.Trajectories.SelectMany(t => t.States), Is.EqualTo(Data.Trajectories.SelectMany(t => t.States)));
        Assert.That(other.Trajectories[0].States, Is.Not.EqualTo(Data.Trajectories[0].States));
        foreach (var trajectory in Data.Trajectories.Where((_, i) => i % 17 == 0))
        {
            double x = trajectory.States[0], y = trajectory.States[1];
            for (var t = 0; t < trajectory.Steps; t++)
            {
                (x, y) = WallDynamics.Step(WallLayout.Default, x, y, trajectory.Action(t)[0], trajectory.Action(t)[1]);
                Assert.That(trajectory.State(t + 1).ToArray(), Is.EqualTo(new[] { x, y }));
            }
        }
    }

    [Test]
    public void DataCrossesTheDoorAndPressesIntoTheMiddleWallOften()
    {
        var layout = WallLayout.Default;
        var crossing = Data.Trajectories.Count(t =>
            Enumerable.Range(0, t.Steps + 1).Select(s => t.State(s)[0] < layout.WallX).Distinct().Count() == 2);
        // A step that ends pushed back off a middle-wall face outside the door is a wall contact.
        var contacts = Data.Trajectories.Sum(t => Enumerable.Range(1, t.Steps).Count(s =>
        {
            var state = t.State(s);
            var atFace = Math.Abs(state[0] - (layout.LeftFace - WallDynamics.PushBack)) < 1e-9 || Math.Abs(state[0] - (layout.RightFace + WallDynamics.PushBack)) < 1e-9;
            return atFace && (state[1] < layout.DoorLow || state[1] > layout.DoorHigh);
        }));

        Assert.Multiple(() =>
        {
            Assert.That(crossing, Is.GreaterThan(Data.Trajectories.Count * 0.4), "door crossings");
            Assert.That(contacts, Is.GreaterThan(200), "middle-wall contacts");
            Assert.That(Data.Card.ActionStd, Has.All.GreaterThan(0.6), "steps of about 2 px, as upstream's data");
            Assert.That(Data.Card.Generator, Does.Contain("door crossings"));
        });
    }
}
