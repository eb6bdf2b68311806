using WmQuant.Environments;
using WmQuant.Environments.Wall;

namespace WmQuant.Tests.Environments;

public class WallEnvironmentTests
{
    [Test]
    public void Episodes_put_start_and_goal_on_opposite_sides_within_bounds()
    {
        var env = new WallEnvironment(imageSize: 65);
        var swapped = 0;
        for (var seed = 0; seed < 2000; seed++)
        {
            var e = env.SampleEpisode(seed);
            var (s, g) = (e.StartState, e.GoalState);
            Assert.That(Math.Sign(s[0] - env.Layout.WallX), Is.EqualTo(-Math.Sign(g[0] - env.Layout.WallX)));
            foreach (var p in new[] { s, g })
            {
                Assert.That(p[0], Is.InRange(WallEnvironment.SampleLow, WallEnvironment.SampleHigh));
                Assert.That(p[1], Is.InRange(WallEnvironment.SampleLow, WallEnvironment.SampleHigh));
                Assert.That(Math.Abs(p[0] - env.Layout.WallX), Is.GreaterThanOrEqualTo(WallEnvironment.BandOffset));
            }

            swapped += s[0] > env.Layout.WallX ? 1 : 0;
        }

        Assert.That(swapped, Is.InRange(900, 1100), "sides should be swapped with probability 0.5");
        var again = new WallEnvironment().SampleEpisode(42);
        Assert.That(again.StartState, Is.EqualTo(env.SampleEpisode(42).StartState));
    }

    [Test]
    public void Random_layouts_vary_per_episode_and_keep_start_and_goal_apart()
    {
        var env = new WallEnvironment(imageSize: 65, randomLayouts: true);
        var wallXs = new HashSet<double>();
        for (var seed = 0; seed < 200; seed++)
        {
            var e = env.SampleEpisode(seed);
            var wallX = e.Parameters!["wall_x"];
            wallXs.Add(wallX);
            Assert.That(Math.Sign(e.StartState[0] - wallX), Is.EqualTo(-Math.Sign(e.GoalState[0] - wallX)));
            env.Reset(seed);
            Assert.That(env.Layout.DoorY, Is.EqualTo(e.Parameters["door_y"]));
            Assert.That(env.Layout.IsInsideSolid(e.StartState[0], e.StartState[1]), Is.False);
        }

        Assert.That(wallXs, Has.Count.EqualTo(200));
        Assert.That(new WallEnvironment().SampleEpisode(3).Parameters, Is.Null, "fixed layout by default");
    }

    [Test]
    public void Success_is_within_four_and_a_half_pixels()
    {
        var env = new WallEnvironment();
        env.SetState([20, 20]);
        Assert.That(env.IsSuccess([24.4, 20]), Is.True);
        Assert.That(env.IsSuccess([24.6, 20]), Is.False);
        Assert.That(env.StateDistance([23, 24]), Is.EqualTo(5.0).Within(1e-12));
    }

    [Test]
    public void Render_draws_walls_black_and_a_red_gaussian_dot()
    {
        var renderer = new WallRenderer(WallLayout.Default);
        var frame = renderer.RenderNative(15, 40);
        Assert.That(frame[15, 40], Is.EqualTo(((byte)255, (byte)0, (byte)0)));
        var expected = (byte)Math.Round(255 - (255 * Math.Exp(-1.0 / (2 * 1.7 * 1.7))));
        Assert.That(frame[16, 40], Is.EqualTo(((byte)255, expected, expected)));
        Assert.That(frame[2, 2], Is.EqualTo(((byte)0, (byte)0, (byte)0)), "border");
        Assert.That(frame[32, 10], Is.EqualTo(((byte)0, (byte)0, (byte)0)), "middle wall");
        Assert.That(frame[32, 30], Is.EqualTo(((byte)255, (byte)255, (byte)255)), "door");
        Assert.That(frame[50, 10], Is.EqualTo(((byte)255, (byte)255, (byte)255)), "floor");
    }

    [Test]
    public void Render_at_model_size_is_a_bilinear_resize_of_the_native_frame()
    {
        var env = new WallEnvironment(imageSize: 224);
        env.SetState([15, 40]);
        var frame = env.Observe().Frame;
        Assert.That((frame.Width, frame.Height), Is.EqualTo((224, 224)));
        // The dot centre (15, 40) maps to ((15 + 0.5)·224/65 − 0.5) ≈ 52.9 px.
        var (r, g, _) = frame[53, 137];
        Assert.That(r, Is.EqualTo(255));
        Assert.That(g, Is.LessThan(40));
        Assert.That(frame[5, 5], Is.EqualTo(((byte)0, (byte)0, (byte)0)));
    }

    [Test]
    public void Batch_stepping_matches_sequential_stepping()
    {
        var batch = new EnvironmentBatch(8, i => new WallEnvironment(imageSize: 64));
        var actions = new double[8 * 25 * 2];
        var random = new Random(3);
        for (var i = 0; i < actions.Length; i++)
        {
            actions[i] = (random.NextDouble() * 2) - 1;
        }

        for (var i = 0; i < 8; i++)
        {
            batch.Instances[i].SetState(batch.Instances[i].SampleEpisode(i).StartState);
        }

        batch.StepSequence(actions, 25);
        var states = batch.States();
        for (var i = 0; i < 8; i++)
        {
            var env = new WallEnvironment(imageSize: 64);
            env.SetState(env.SampleEpisode(i).StartState);
            for (var t = 0; t < 25; t++)
            {
                env.Step(actions.AsSpan((((i * 25) + t) * 2), 2));
            }

            var s = new double[2];
            env.CopyState(s);
            Assert.That(states.AsSpan(i * 2, 2).ToArray(), Is.EqualTo(s));
        }
    }
}
