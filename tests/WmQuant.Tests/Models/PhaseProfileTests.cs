using TorchSharp;
using WmQuant.Models;
using WmQuant.Models.Diagnostics;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

/// <summary>
/// The rollout phase profile behind <c>wmq bench rollout --profile</c>: it must count every instrumented phase of a
/// rollout, charge nested phases once, and leave the rollout's values untouched.
/// </summary>
public class PhaseProfileTests
{
    [Test]
    public void A_profiled_rollout_counts_each_phase_per_layer_and_gives_the_same_values()
    {
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("reference-pusht"), seed: 5);
        model.eval();
        var config = model.Config;
        var images = rand([2, 1, 3, config.ImageSize, config.ImageSize], generator: new Generator(1));
        var proprio = randn([2, 1, config.ProprioDim], generator: new Generator(2));
        var actions = randn([2, 5, config.ActionInputDim], generator: new Generator(3));
        var start = model.EncodeObservations(images, proprio);

        var plain = model.PredictFinal(start, actions).Visual;
        IReadOnlyList<PhaseTime> phases;
        Tensor profiled;
        using (var profile = PhaseProfile.Start(CPU))
        {
            profiled = model.PredictFinal(start, actions).Visual;
            phases = profile.Phases;
        }

        Assert.That(profiled.equal(plain).all().item<bool>(), Is.True, "profiling waits and times; it must not change a value");
        var calls = phases.ToDictionary(p => p.Phase, p => p.Calls);
        long depth = config.Predictor.Depth;
        const int predictorCalls = 5; // horizon 5 from one observed frame: one predictor call per predicted frame
        Assert.Multiple(() =>
        {
            Assert.That(calls["predictor qkv"], Is.EqualTo(depth * predictorCalls));
            Assert.That(calls["predictor attention"], Is.EqualTo(depth * predictorCalls));
            Assert.That(calls["predictor fc1"], Is.EqualTo(depth * predictorCalls));
            Assert.That(calls["predictor norm"], Is.EqualTo(2 * depth * predictorCalls), "one norm before attention, one before the MLP");
            Assert.That(calls["predictor final norm"], Is.EqualTo(predictorCalls));
            Assert.That(calls["rollout window"], Is.EqualTo(predictorCalls));
            Assert.That(calls["rollout action tokens"], Is.EqualTo(predictorCalls - 1), "the last predicted frame takes no action");
            Assert.That(calls, Does.Not.ContainKey("tensor-core padding"), "fp32 on the CPU is never padded");
            Assert.That(phases.All(p => p.Milliseconds >= 0), Is.True);
        });
    }

    [Test]
    public void A_phase_inside_another_is_charged_once_and_nothing_is_recorded_without_a_profile()
    {
        using var scope = NewDisposeScope();
        using (var profile = PhaseProfile.Start(CPU))
        {
            PhaseProfile.Time("outer", () => PhaseProfile.Time("inner", () =>
            {
                Thread.Sleep(100);
                return zeros(1);
            }));
            var byName = profile.Phases.ToDictionary(p => p.Phase, p => p.Milliseconds);
            Assert.That(byName["inner"], Is.GreaterThanOrEqualTo(95));
            Assert.That(byName["outer"], Is.LessThan(byName["inner"]), "the outer phase keeps only its own time, not the inner sleep");
            Assert.Throws<InvalidOperationException>(() => PhaseProfile.Start(CPU), "one profile at a time");
        }

        using var later = PhaseProfile.Start(CPU);
        Assert.That(later.Phases, Is.Empty, "a disposed profile stops recording; a new one starts empty");
    }
}
