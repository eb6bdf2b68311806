using WmQuant.Planning.Evaluation;
using WmQuant.Runtime;
using WmQuant.Tests.Planning.Toys;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning;

public class LatentDriftTests
{
    [Test]
    public void A_model_has_no_drift_against_itself()
    {
        var model = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 31);
        var (images, proprio) = model.RandomFrames(4, seed: 32);
        var actions = randn([4, 5, 2], generator: new TorchSharp.torch.Generator(33));

        var drift = LatentDrift.Measure(model, model, images, proprio, actions);

        Assert.That(drift.VisualMse, Has.Length.EqualTo(5));
        Assert.That(drift.VisualMse.Concat(drift.ProprioMse), Is.All.EqualTo(0.0));
    }

    [Test]
    public void Drift_of_a_perturbed_model_matches_the_direct_rollout_difference_and_grows()
    {
        var reference = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 34, transitionDiagonal: 1.0, transitionNoise: 0.05);
        var perturbed = new LinearLatentModel(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: 34, dtype: ScalarType.Float64, transitionDiagonal: 1.0, transitionNoise: 0.05);
        perturbed.Transition = reference.Transition.Mul(1.02);
        var (images, proprio) = reference.RandomFrames(3, seed: 35);
        var actions = randn([3, 4, 2], generator: new TorchSharp.torch.Generator(36));

        var drift = LatentDrift.Measure(reference, perturbed, images, proprio, actions);

        for (int k = 1; k <= 4; k++)
        {
            var prefix = actions.narrow(1, 0, k);
            var r = reference.PredictFinal(reference.Encode(images, proprio), prefix);
            var p = perturbed.PredictFinal(perturbed.Encode(images, proprio), prefix.to(ScalarType.Float64));
            var expected = (r.Visual.to(ScalarType.Float64) - p.Visual).Pow(2).mean().item<double>();
            Assert.That(drift.VisualMse[k - 1], Is.EqualTo(expected).Within(1e-9 + (1e-5 * expected)), $"step {k}");
        }

        Assert.That(drift.VisualMse, Is.Ordered.Ascending);
        Assert.That(drift.VisualMse[0], Is.GreaterThan(0));
    }
}
