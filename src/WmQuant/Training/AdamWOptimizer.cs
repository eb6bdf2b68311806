using TorchSharp.Modules;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Training;

/// <summary>
/// Adam with optional decoupled weight decay (AdamW; PyTorch's update rule and defaults β = (0.9, 0.999),
/// ε = 1e-8). Written here rather than taken from TorchSharp so its moments can be saved by parameter
/// name into a checkpoint and restored exactly, which makes a resumed run identical to an uninterrupted one, and
/// because TorchSharp's optimizers step with Scalars they leave to the finalizer (analyzer rule WQA0002). The update is
/// TorchSharp's AdamW operation for operation, so OmniQuant's results did not change when it moved here.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly List<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _moments = [];

    /// <summary>Optimises <paramref name="parameters"/> (named, so state can be saved) at <paramref name="learningRate"/>.</summary>
    public AdamWOptimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>Step size.</summary>
    public double LearningRate { get; }

    /// <summary>Decoupled weight decay (0: plain Adam).</summary>
    public double WeightDecay { get; }

    /// <summary>Updates taken so far (drives the bias correction).</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one update from the parameters' current gradients; parameters without a gradient are left alone, as in PyTorch.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        StepCount++;
        var correction1 = 1 - Math.Pow(Beta1, StepCount);
        var correction2 = 1 - Math.Pow(Beta2, StepCount);
        foreach (var (name, parameter) in _parameters)
        {
            var grad = parameter.grad;
            if (grad is null)
            {
                continue;
            }

            using var scope = NewDisposeScope();
            if (!_moments.TryGetValue(name, out var moments))
            {
                moments = (zeros_like(parameter).DetachFromDisposeScope(), zeros_like(parameter).DetachFromDisposeScope());
                _moments[name] = moments;
            }

            if (WeightDecay != 0)
            {
                parameter.MulInPlace(1 - (LearningRate * WeightDecay));
            }

            moments.M.MulInPlace(Beta1).AddInPlace(grad, alpha: 1 - Beta1);
            moments.V.MulInPlace(Beta2).AddcmulInPlace(grad, grad, value: 1 - Beta2);
            var denominator = moments.V.sqrt().Div(Math.Sqrt(correction2)).AddInPlace(Epsilon);
            parameter.AddcdivInPlace(moments.M, denominator, value: -LearningRate / correction1);
        }
    }

    /// <summary>Zeroes the parameters' gradients in place (the ones that have one), as TorchSharp's optimizers do.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, parameter) in _parameters)
        {
            using var grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>The moments by "name.m" / "name.v", for a checkpoint (the tensors are the live state: save them, do not keep them).</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, (m, v)) in _moments)
        {
            state[name + ".m"] = m;
            state[name + ".v"] = v;
        }

        return state;
    }

    /// <summary>Restores moments saved by <see cref="StateTensors"/> and the step count; names this optimizer does not own are ignored.</summary>
    public void Restore(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        DisposeMoments();
        foreach (var (name, parameter) in _parameters)
        {
            if (state.TryGetValue(name + ".m", out var m) && state.TryGetValue(name + ".v", out var v))
            {
                _moments[name] = (m.to(parameter.dtype, parameter.device).clone().DetachFromDisposeScope(), v.to(parameter.dtype, parameter.device).clone().DetachFromDisposeScope());
            }
        }

        StepCount = stepCount;
    }

    /// <inheritdoc />
    public void Dispose() => DisposeMoments();

    private void DisposeMoments()
    {
        foreach (var (m, v) in _moments.Values)
        {
            m.Dispose();
            v.Dispose();
        }

        _moments.Clear();
    }
}
