using WmQuant.Planning;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning;

public class ObjectiveAndSeedTests
{
    [Test]
    public void Last_frame_objective_is_visual_mse_plus_alpha_proprio_mse_on_the_final_frame()
    {
        // Two frames; only the second counts. Visual [1, 2, 2, 2], proprio [1, 2, 3].
        var predicted = new LatentObservation(
            tensor(new float[] { 9, 9, 9, 9, 1, 2, 3, 4 }, [1, 2, 2, 2]),
            tensor(new float[] { 9, 9, 9, 0, 0, 3 }, [1, 2, 3]));
        var goal = new LatentObservation(tensor(new float[] { 0, 2, 3, 6 }, [1, 1, 2, 2]), tensor(new float[] { 0, 0, 0 }, [1, 1, 3]));

        var loss = new LastFrameObjective(new ObjectiveSettings(Alpha: 0.5)).Loss(predicted, goal).item<float>();

        // visual: (1 + 0 + 0 + 4)/4 = 1.25; proprio: 9/3 = 3; 1.25 + 0.5·3 = 2.75
        Assert.That(loss, Is.EqualTo(2.75f).Within(1e-6f));
    }

    [Test]
    public void Objective_broadcasts_each_goal_over_its_samples()
    {
        var predicted = new LatentObservation(tensor(new float[] { 1, 2, 3, 4 }, [4, 1, 1, 1]), zeros(4, 1, 1));
        var goal = new LatentObservation(tensor(new float[] { 1, 4 }, [2, 1, 1, 1]), zeros(2, 1, 1));

        var loss = new LastFrameObjective(new ObjectiveSettings()).Loss(predicted, goal).data<float>().ToArray();

        Assert.That(loss, Is.EqualTo(new float[] { 0, 1, 1, 0 }));
        Assert.Throws<ArgumentException>(() => new LastFrameObjective(new ObjectiveSettings()).Loss(predicted.Slice(0, 3), goal));
    }

    [Test]
    public void Episode_seeds_follow_the_study_and_never_overlap()
    {
        var evaluation = EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 50);
        var calibration = EpisodeSeeds.Range(EpisodeSeedSet.Calibration, 50);

        Assert.That(evaluation.Take(3), Is.EqualTo(new[] { 1, 100, 199 }));
        Assert.That(calibration.Take(3), Is.EqualTo(new[] { 2, 101, 200 }));
        Assert.That(evaluation.Intersect(calibration), Is.Empty);
        Assert.That(EpisodeSeeds.Range(EpisodeSeedSet.Evaluation, 2, first: 49), Is.EqualTo(new[] { 4852, 4951 }));
    }

    [Test]
    public void Noise_streams_are_reproducible_and_distinct()
    {
        long a = PlanningNoise.StreamSeed(0, 1, 0);
        Assert.That(PlanningNoise.StreamSeed(0, 1, 0), Is.EqualTo(a));
        Assert.That(new[] { PlanningNoise.StreamSeed(1, 1, 0), PlanningNoise.StreamSeed(0, 100, 0), PlanningNoise.StreamSeed(0, 1, 1) }, Has.None.EqualTo(a));

        var generators = PlanningNoise.Generators([a, a, PlanningNoise.StreamSeed(0, 1, 1)]);
        var noise = PlanningNoise.Draw(generators, 50, 3, 2, ScalarType.Float64, CPU);
        Assert.That(noise.dtype, Is.EqualTo(ScalarType.Float64));
        Assert.That((noise[0] - noise[1]).abs().max().item<double>(), Is.Zero, "same seed, same stream");
        Assert.That((noise[0] - noise[2]).abs().max().item<double>(), Is.GreaterThan(0.1));
        Assert.That(noise.std().item<double>(), Is.EqualTo(1.0).Within(0.15));
        foreach (var g in generators)
        {
            g.Dispose();
        }
    }

    [Test]
    public void Noise_drawn_for_every_step_up_front_equals_noise_drawn_step_by_step()
    {
        // The CEM planner draws all its steps' noise before its loop (one copy to the device); the values must be those
        // of the per-step draws its recorded baselines were planned with. One long draw per generator would not do: it
        // gives other values (checked by swapping DrawSteps for it, which fails this test).
        long[] seeds = [PlanningNoise.StreamSeed(0, 1, 0), PlanningNoise.StreamSeed(0, 100, 0)];
        var perStep = PlanningNoise.Generators(seeds);
        var upFront = PlanningNoise.Generators(seeds);
        try
        {
            var expected = stack(Enumerable.Range(0, 4).Select(_ => PlanningNoise.Draw(perStep, 299, 5, 2, ScalarType.Float32, CPU)).ToList(), 0);
            var actual = PlanningNoise.DrawSteps(upFront, 4, 299, 5, 2, ScalarType.Float32, CPU);

            Assert.That(actual.shape, Is.EqualTo(new long[] { 4, 2, 299, 5, 2 }));
            Assert.That(actual.eq(expected).all().item<bool>(), Is.True, "bit-identical to drawing step by step");
        }
        finally
        {
            foreach (var g in perStep.Concat(upFront))
            {
                g.Dispose();
            }
        }
    }
}
