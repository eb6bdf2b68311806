using WmQuant.Planning;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning.Toys;

/// <summary>
/// Planning problems on <see cref="LinearLatentModel"/> with their closed-form optimum: the final
/// latent is M·a + b, so minimising the weighted squared error is weighted least squares.
/// </summary>
internal sealed class LinearProblem
{
    public LinearProblem(LinearLatentModel model, int episodes, int horizon, double alpha, int seed)
    {
        Model = model;
        Horizon = horizon;
        Alpha = alpha;
        var (images, proprio) = model.RandomFrames(episodes, seed);
        Start = model.Encode(images.to(model.DType), proprio.to(model.DType));
        var rng = new Random(seed + 7);
        int d = model.LatentDim;
        var z0 = LinearLatentModel.Flatten(Start.Visual.select(1, 0), Start.Proprio.select(1, 0)).to(ScalarType.Float64);
        var (m, b) = AffineMap(z0);
        Map = m;
        var targets = new List<Tensor>();
        for (int e = 0; e < episodes; e++)
        {
            var reachable = tensor(Enumerable.Range(0, horizon * model.ActionDim).Select(_ => (rng.NextDouble() * 1.6) - 0.8).ToArray(), ScalarType.Float64);
            var offTarget = tensor(Enumerable.Range(0, d).Select(_ => 0.05 * LinearLatentModel.Gaussian(rng)).ToArray(), ScalarType.Float64);
            targets.Add(m.matmul(reachable).Add(b[e]).Add(offTarget));
        }

        var goalZ = stack(targets, 0);
        Goal = model.Unflatten(goalZ.to(model.DType), episodes);
        Optimum = Solve(m, b, goalZ);
    }

    public LinearLatentModel Model { get; }
    public int Horizon { get; }
    public double Alpha { get; }
    public LatentObservation Start { get; }
    public LatentObservation Goal { get; }

    /// <summary>M ([D, H·A], float64), shared by all episodes.</summary>
    public Tensor Map { get; }

    /// <summary>Optimal actions [E, H, A] (float64).</summary>
    public Tensor Optimum { get; }

    private (Tensor M, Tensor B) AffineMap(Tensor z0)
    {
        var a = Model.Transition;
        int d = Model.LatentDim;
        var blocks = new Tensor[Horizon];
        var power = eye(d, dtype: ScalarType.Float64);
        var offsetSum = zeros(d, dtype: ScalarType.Float64);
        for (int k = Horizon - 1; k >= 0; k--)
        {
            blocks[k] = power.matmul(Model.Control);
            offsetSum = offsetSum.Add(power.matmul(Model.Offset));
            power = a.matmul(power);
        }

        // power is now A^H.
        var b = z0.matmul(power.t()).Add(offsetSum);
        return (cat(blocks, 1), b);
    }

    private Tensor Solve(Tensor m, Tensor b, Tensor goalZ)
    {
        int visual = Model.Tokens * Model.TokenDim;
        var weights = cat([ScalarOps.Full([visual], 1.0 / visual, ScalarType.Float64), ScalarOps.Full([Model.ProprioDim], Alpha / Model.ProprioDim, ScalarType.Float64)]);
        var mw = m * weights.unsqueeze(1);
        var normal = m.t().matmul(mw);
        var solutions = new List<Tensor>();
        for (long e = 0; e < goalZ.shape[0]; e++)
        {
            var rhs = mw.t().matmul(goalZ[e] - b[e]);
            solutions.Add(linalg.solve(normal, rhs));
        }

        return stack(solutions, 0).reshape(goalZ.shape[0], Horizon, Model.ActionDim);
    }
}
