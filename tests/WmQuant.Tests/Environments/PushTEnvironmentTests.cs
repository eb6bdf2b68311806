using System.Diagnostics;
using WmQuant.Environments;
using WmQuant.Environments.PushT;

namespace WmQuant.Tests.Environments;

public class PushTEnvironmentTests
{
    [Test]
    public void Pusher_moving_freely_follows_the_pd_law()
    {
        var env = new PushTEnvironment(imageSize: 1);
        env.SetState([100, 100, 300, 250, 0]);
        env.Step([0.5, 0]);
        // Integrate the PD law by hand: v += (100·(target − x) − 20·v)·dt, then x += v·dt.
        double x = 100, v = 0;
        for (var i = 0; i < 10; i++)
        {
            v += ((100 * (150 - x)) - (20 * v)) * 0.01;
            x += v * 0.01;
        }

        var s = env.GetState();
        Assert.That(s[0], Is.EqualTo(x).Within(1e-9));
        Assert.That(s[1], Is.EqualTo(100).Within(1e-12));
        Assert.That(s[5], Is.EqualTo(v).Within(1e-9));
        Assert.That(s.AsSpan(2, 3).ToArray(), Is.EqualTo(new[] { 300.0, 250, 0 }), "an untouched block stays put");
    }

    [Test]
    public void Pushing_the_bar_from_below_moves_the_block_without_rotation_when_centred()
    {
        var env = new PushTEnvironment(imageSize: 1);
        // T at (256, 200), angle 0: bar spans y 200..230, stem below to y 320. Push the bar's top edge downward from above.
        env.SetState([256, 170, 256, 200, 0]);
        for (var t = 0; t < 10; t++)
        {
            env.Step([0, 0.2]);
        }

        var s = env.GetState();
        Assert.That(s[3], Is.GreaterThan(200 + 50), "block was pushed");
        Assert.That(s[2], Is.EqualTo(256).Within(1e-6), "symmetric push keeps x");
        Assert.That(Math.Min(s[4], (2 * Math.PI) - s[4]), Is.LessThan(1e-6), "symmetric push does not rotate");
        // Quasi-static: the block stops as soon as the pusher stops.
        var before = env.GetState();
        env.Step([0, 0]);
        env.Step([0, 0]);
        env.Step([0, 0]);
        var pusherStoppedBlock = env.GetState();
        Assert.That(pusherStoppedBlock[3] - before[3], Is.LessThan(10));
    }

    [Test]
    public void Success_needs_position_and_wrapped_angle_close()
    {
        double[] goal = [100, 100, 200, 200, 0.05, 0, 0];
        Assert.That(PushTEnvironment.IsSuccess([105, 100, 205, 200, (2 * Math.PI) - 0.1, 0, 0], goal), Is.True);
        Assert.That(PushTEnvironment.IsSuccess([105, 100, 205, 200, 0.5, 0, 0], goal), Is.False);
        Assert.That(PushTEnvironment.IsSuccess([120, 100, 205, 200, 0.05, 0, 0], goal), Is.False);
    }

    [Test]
    public void Replay_goals_are_deterministic_and_reachable_by_replaying()
    {
        var sampler = new PushTReplayGoalSampler();
        var a = sampler.Sample(99 * 3 + 1);
        var b = new PushTReplayGoalSampler().Sample(99 * 3 + 1);
        Assert.That(a.GoalState, Is.EqualTo(b.GoalState));
        Assert.That(a.StartState, Is.EqualTo(b.StartState));
        Assert.That(a.GoalState, Is.Not.EqualTo(new PushTReplayGoalSampler().Sample(99 * 4 + 1).GoalState));
    }

    [Test]
    public void Replay_goals_keep_the_demonstration_pace_unless_the_fast_pace_is_asked_for()
    {
        // Median block displacement over 60 episodes (evaluation seeds): demonstration-paced goals move the
        // block a few tens of pixels in 25 steps, the fast scripted pusher several times that.
        static double MedianMove(PushTReplayGoalSampler sampler)
        {
            var moves = Enumerable.Range(0, 60).Select(n =>
            {
                var episode = sampler.Sample((99 * n) + 1);
                return Math.Sqrt(Math.Pow(episode.GoalState[2] - episode.StartState[2], 2) + Math.Pow(episode.GoalState[3] - episode.StartState[3], 2));
            }).Order().ToArray();
            return moves[moves.Length / 2];
        }

        var demo = MedianMove(new PushTReplayGoalSampler());
        var fast = MedianMove(new PushTReplayGoalSampler { Pace = ScriptedPusher.MaxActionNorm });
        Assert.Multiple(() =>
        {
            Assert.That(new PushTReplayGoalSampler().Pace, Is.EqualTo(ScriptedPusher.DemoPaceActionNorm));
            Assert.That(demo, Is.InRange(5, 60), "demonstration pace: tens of pixels");
            Assert.That(fast, Is.GreaterThan(2.5 * demo), "the fast pusher moves the block several times as far");
        });
    }

    [Test]
    public void Catalog_passes_the_goal_pace_to_the_sampler()
    {
        var fast = EnvironmentCatalog.Create("pusht", new Dictionary<string, double> { ["goal_pace"] = ScriptedPusher.MaxActionNorm }, imageSize: 8);
        var demo = EnvironmentCatalog.Create("pusht", imageSize: 8);
        var seed = (99 * 7) + 1;
        Assert.Multiple(() =>
        {
            Assert.That(fast.SampleEpisode(seed).GoalState, Is.EqualTo(new PushTReplayGoalSampler { Pace = ScriptedPusher.MaxActionNorm }.Sample(seed).GoalState));
            Assert.That(demo.SampleEpisode(seed).GoalState, Is.EqualTo(new PushTReplayGoalSampler().Sample(seed).GoalState));
            Assert.That(fast.SampleEpisode(seed).GoalState, Is.Not.EqualTo(demo.SampleEpisode(seed).GoalState));
        });
    }

    [Test]
    public void Renderer_draws_agent_block_and_goal_in_their_colours()
    {
        var renderer = new PushTRenderer();
        var frame = renderer.Render([100, 100, 400, 300, 0, 0, 0], 512);
        Assert.That(frame[100, 100], Is.EqualTo(((byte)78, (byte)126, (byte)255)), "agent inner disc");
        Assert.That(frame[100 + 13, 100], Is.EqualTo(((byte)65, (byte)105, (byte)225)), "agent rim");
        Assert.That(frame[400, 315], Is.EqualTo(((byte)142, (byte)163, (byte)183)), "block bar");
        Assert.That(frame[400, 380], Is.EqualTo(((byte)142, (byte)163, (byte)183)), "block stem");
        // Goal anchor at (256, 256, π/4): its local point (0, 60) sits at (256 − 60·sin, 256 + 60·cos).
        Assert.That(frame[(int)(256 - (60 * Math.Sin(Math.PI / 4))), (int)(256 + (60 * Math.Cos(Math.PI / 4)))], Is.EqualTo(((byte)144, (byte)238, (byte)144)));
        Assert.That(frame[480, 60], Is.EqualTo(((byte)255, (byte)255, (byte)255)), "floor");
        var small = renderer.Render([100, 100, 400, 300, 0, 0, 0], 96);
        Assert.That((small.Width, small.Height, small.Pixels.Length), Is.EqualTo((96, 96, 96 * 96 * 3)));
    }

    [Test]
    public void Batched_stepping_and_rendering_are_fast_and_deterministic()
    {
        var batch = new EnvironmentBatch(50, _ => new PushTEnvironment(imageSize: 224));
        var actions = new double[50 * 25 * 2];
        var random = new Random(11);
        for (var i = 0; i < actions.Length; i++)
        {
            actions[i] = (random.NextDouble() - 0.5) * 0.6;
        }

        for (var i = 0; i < 50; i++)
        {
            batch.Instances[i].SetState(new PushTReplayGoalSampler().Sample(i).StartState);
        }

        batch.StepSequence(actions, 25); // warm-up (JIT, native Skia load)
        _ = batch.ObserveAll();
        for (var i = 0; i < 50; i++)
        {
            batch.Instances[i].SetState(new PushTReplayGoalSampler().Sample(i).StartState);
        }

        var watch = Stopwatch.StartNew();
        batch.StepSequence(actions, 25);
        var stepMs = watch.Elapsed.TotalMilliseconds;
        var first = batch.States();

        watch.Restart();
        var frames = batch.ObserveAll();
        var renderMs = watch.Elapsed.TotalMilliseconds;
        TestContext.Out.WriteLine($"50 PushT envs × 25 steps: {stepMs:F1} ms; 50 frames at 224 px: {renderMs:F1} ms ({Environment.ProcessorCount} cores)");

        for (var i = 0; i < 50; i++)
        {
            batch.Instances[i].SetState(new PushTReplayGoalSampler().Sample(i).StartState);
        }

        batch.StepSequence(actions, 25);
        Assert.That(batch.States(), Is.EqualTo(first), "parallel stepping is deterministic");
        Assert.That(frames, Has.Length.EqualTo(50));
        // Budgets are loose on purpose: shared 2-core CI agents are often heavily loaded. `wmq data bench` gives real figures.
        Assert.That(stepMs, Is.LessThan(2000), "stepping budget");
        Assert.That(renderMs, Is.LessThan(4000), "rendering budget");
    }
}
