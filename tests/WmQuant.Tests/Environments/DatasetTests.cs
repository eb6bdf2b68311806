using WmQuant.Environments;
using WmQuant.Environments.Datasets;
using WmQuant.Environments.PushT;
using WmQuant.Environments.Wall;

namespace WmQuant.Tests.Environments;

public class DatasetTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("wmq-dataset-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Wall_dataset_round_trips_and_its_states_follow_the_dynamics()
    {
        var generated = new WallRandomWalkGenerator().Generate(trajectories: 64, steps: 50, seed: 5);
        generated.Save(_dir);
        var dataset = TrajectoryDataset.Open(_dir);
        Assert.That(dataset.Count, Is.EqualTo(64));
        Assert.That(dataset.Card.Environment, Is.EqualTo("wall"));
        for (var i = 0; i < dataset.Count; i += 9)
        {
            var stored = dataset.Get(i);
            var original = generated.Trajectories[i];
            Assert.That(stored.States, Is.EqualTo(original.States).Within(1e-4), "float32 storage");
            // Replaying the stored actions through the dynamics reproduces the stored states (up to float32 rounding).
            double x = original.States[0], y = original.States[1];
            for (var t = 0; t < stored.Steps; t++)
            {
                (x, y) = WallDynamics.Step(WallLayout.Default, x, y, original.Action(t)[0], original.Action(t)[1]);
                Assert.That(original.State(t + 1).ToArray(), Is.EqualTo(new[] { x, y }));
            }
        }
    }

    [Test]
    public void Card_statistics_match_the_stored_actions()
    {
        var generated = new WallRandomWalkGenerator().Generate(32, 20, seed: 2);
        var all = generated.Trajectories.SelectMany(t => Enumerable.Range(0, t.Steps).Select(s => t.Action(s).ToArray())).ToList();
        for (var d = 0; d < 2; d++)
        {
            var values = all.Select(a => a[d]).ToArray();
            var mean = values.Average();
            var std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
            Assert.That(generated.Card.ActionMean[d], Is.EqualTo(mean).Within(1e-9));
            Assert.That(generated.Card.ActionStd[d], Is.EqualTo(std).Within(1e-9));
        }

        Assert.That(generated.Card.ActionStd, Has.All.GreaterThan(0.1));
    }

    [Test]
    public void Generation_is_deterministic_from_the_seed()
    {
        var a = new PushTScriptedGenerator().Generate(6, 30, seed: 8);
        var b = new PushTScriptedGenerator().Generate(6, 30, seed: 8);
        var c = new PushTScriptedGenerator().Generate(6, 30, seed: 9);
        Assert.That(a.Trajectories.Select(t => t.States).SelectMany(s => s), Is.EqualTo(b.Trajectories.Select(t => t.States).SelectMany(s => s)));
        Assert.That(a.Trajectories[0].States, Is.Not.EqualTo(c.Trajectories[0].States));
    }

    [Test]
    public void PushT_exploration_share_zero_keeps_the_scripted_data_and_one_explores_next_to_the_block()
    {
        var scripted = new PushTScriptedGenerator().Generate(6, 30, seed: 8);
        var unchanged = new PushTScriptedGenerator { ExplorationShare = 0 }.Generate(6, 30, seed: 8);
        var exploring = new PushTScriptedGenerator { ExplorationShare = 1 }.Generate(40, 60, seed: 8);
        var again = new PushTScriptedGenerator { ExplorationShare = 1 }.Generate(40, 60, seed: 8);
        Assert.Multiple(() =>
        {
            Assert.That(unchanged.Trajectories.SelectMany(t => t.States), Is.EqualTo(scripted.Trajectories.SelectMany(t => t.States)));
            Assert.That(exploring.Trajectories.SelectMany(t => t.Actions), Is.EqualTo(again.Trajectories.SelectMany(t => t.Actions)), "deterministic");
            foreach (var t in exploring.Trajectories)
            {
                var (cx, cy) = ScriptedPusher.BlockCentre(t.State(0));
                Assert.That(Math.Sqrt(Math.Pow(t.State(0)[0] - cx, 2) + Math.Pow(t.State(0)[1] - cy, 2)), Is.LessThan(115), "starts next to the block");
            }

            var moved = exploring.Trajectories.Count(t => Math.Abs(t.State(t.Steps)[2] - t.State(0)[2]) + Math.Abs(t.State(t.Steps)[3] - t.State(0)[3]) > 10);
            Assert.That(moved, Is.GreaterThan(30), "exploring pushers touch the block");
            Assert.That(exploring.Card.Generator, Does.Contain("exploring"));
            Assert.That(exploring.Card.ActionStd, Has.All.InRange(0.2, 0.6));
        });
    }

    [Test]
    public void PushT_data_pushes_the_block_and_renders_from_states()
    {
        var generated = new PushTScriptedGenerator().Generate(8, 60, seed: 3);
        generated.Save(_dir);
        var dataset = TrajectoryDataset.Open(_dir);
        var moved = dataset.All().Count(t =>
        {
            var first = t.State(0);
            var last = t.State(t.Steps);
            return Math.Abs(last[2] - first[2]) + Math.Abs(last[3] - first[3]) > 20;
        });
        Assert.That(moved, Is.GreaterThanOrEqualTo(4), "the scripted pusher should move the block in most trajectories");
        var frame = dataset.RenderObservation(0, 10, 96);
        Assert.That((frame.Width, frame.Height), Is.EqualTo((96, 96)));
        var expected = new PushTRenderer().Render(dataset.Get(0).State(10), 96);
        Assert.That(frame.Pixels, Is.EqualTo(expected.Pixels));
        Assert.That(dataset.Card.Notes, Does.Contain("expert demonstrations"));
    }

    [Test]
    public void Dataset_goals_replay_twenty_five_recorded_actions()
    {
        new PushTScriptedGenerator().Generate(4, 40, seed: 4).Save(_dir);
        var dataset = TrajectoryDataset.Open(_dir);
        var sampler = new PushTDatasetGoalSampler(dataset);
        var episode = sampler.Sample(17);
        Assert.That(sampler.Sample(17).GoalState, Is.EqualTo(episode.GoalState));
        var env = new PushTEnvironment(imageSize: 64, sampler: sampler);
        var observation = env.Reset(17);
        Assert.That(observation.Proprio, Has.Length.EqualTo(4));
        var random = new Random(17);
        var trajectory = dataset.Get(random.Next(dataset.Count));
        var t0 = random.Next(trajectory.Steps - 25 + 1);
        var replayed = PushTReplayGoalSampler.Replay(episode.StartState, Enumerable.Range(t0, 25).Select(t => trajectory.Action(t).ToArray()));
        Assert.That(replayed, Is.EqualTo(episode.GoalState).Within(1e-9));
    }

    [Test]
    public void Opening_a_folder_without_a_card_says_how_to_make_one()
    {
        var error = Assert.Throws<FileNotFoundException>(() => TrajectoryDataset.Open(_dir));
        Assert.That(error!.Message, Does.Contain("wmq data generate"));
    }

    [Test]
    public void Catalog_builds_environments_by_name()
    {
        Assert.That(EnvironmentCatalog.Create("wall", new Dictionary<string, double> { ["door_y"] = 40 }), Is.InstanceOf<WallEnvironment>());
        Assert.That(((WallEnvironment)EnvironmentCatalog.Create("wall", new Dictionary<string, double> { ["door_y"] = 40 })).Layout.DoorY, Is.EqualTo(40));
        Assert.That(EnvironmentCatalog.Create("pusht").StateDim, Is.EqualTo(7));
        Assert.Throws<ArgumentException>(() => EnvironmentCatalog.Create("ant"));
    }
}
