using WmQuant.Planning;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Tests.Planning.Toys;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning;

public class GradientPlannerTests
{
    private static LinearLatentModel Model(int seed) =>
        new(tokens: 2, tokenDim: 3, proprioDim: 2, actionDim: 2, seed: seed, transitionDiagonal: 0, transitionNoise: 0.1, controlScale: 1.5, shiftRegister: true);

    private static long[] Seeds(int count) => Enumerable.Range(0, count).Select(e => PlanningNoise.StreamSeed(3, e, 0)).ToArray();

    [Test]
    public void Gradient_descent_lowers_the_loss_towards_the_optimum()
    {
        var model = Model(seed: 21);
        var problem = new LinearProblem(model, episodes: 3, horizon: 3, alpha: 1.0, seed: 22);
        var objective = new LastFrameObjective(new ObjectiveSettings(1.0));
        var planner = new GradientPlanner(model, objective, new GradientSettings(Horizon: 3, OptSteps: 40));

        var result = planner.Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(3)));

        var finalLoss = objective.Loss(model.PredictFinal(problem.Start, result.Actions), problem.Goal).data<float>().ToArray();
        var optimumLoss = objective.Loss(model.PredictFinal(problem.Start, problem.Optimum.to(model.DType)), problem.Goal).data<float>().ToArray();
        for (int e = 0; e < 3; e++)
        {
            var losses = result.LossPerStep[e];
            Assert.That(losses[^1], Is.LessThan(losses[0] * 0.2), string.Join(", ", losses));
            Assert.That(finalLoss[e], Is.LessThan(optimumLoss[e] + (0.05f * (losses[0] - optimumLoss[e]))), "most of the gap to the optimum is closed");
        }

        Assert.That(result.Actions.requires_grad, Is.False, "returned plans are detached");
    }

    [Test]
    public void Gradient_plans_do_not_depend_on_batch_companions()
    {
        var model = Model(seed: 23);
        var problem = new LinearProblem(model, episodes: 3, horizon: 3, alpha: 1.0, seed: 24);
        var planner = new GradientPlanner(model, new LastFrameObjective(new ObjectiveSettings()), new GradientSettings(Horizon: 3, OptSteps: 10, InitialSigma: 0.5));
        var seeds = Seeds(3);

        var together = planner.Plan(new PlanRequest(problem.Start, problem.Goal, seeds));
        for (int e = 0; e < 3; e++)
        {
            var alone = planner.Plan(new PlanRequest(problem.Start.Slice(e, 1), problem.Goal.Slice(e, 1), [seeds[e]]));
            Assert.That((alone.Actions[0] - together.Actions[e]).abs().max().item<float>(), Is.LessThan(1e-5f));
        }
    }

    [Test]
    public void Noise_after_each_step_moves_the_plan_by_its_scale()
    {
        var model = Model(seed: 25);
        var problem = new LinearProblem(model, episodes: 2, horizon: 3, alpha: 1.0, seed: 26);
        var objective = new LastFrameObjective(new ObjectiveSettings());
        var quiet = new GradientPlanner(model, objective, new GradientSettings(Horizon: 3, OptSteps: 1, ActionNoise: 0)).Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(2)));
        var noisy = new GradientPlanner(model, objective, new GradientSettings(Horizon: 3, OptSteps: 1, ActionNoise: 0.003)).Plan(new PlanRequest(problem.Start, problem.Goal, Seeds(2)));

        var difference = (noisy.Actions - quiet.Actions).abs();
        Assert.That(difference.max().item<float>(), Is.GreaterThan(0f));
        Assert.That(difference.max().item<float>(), Is.LessThan(0.003f * 5));
    }
}
