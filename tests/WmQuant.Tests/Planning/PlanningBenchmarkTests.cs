using System.Diagnostics;
using WmQuant.Planning;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning;

/// <summary>Timing of batched versus episode-by-episode CEM on an MLP latent model; run on demand only.</summary>
[Explicit("benchmark: prints timings, asserts only that batching is not slower")]
public class PlanningBenchmarkTests
{
    [Test]
    public void Batched_cem_versus_one_episode_at_a_time()
    {
        var model = new MlpLatentModel(tokens: 16, dim: 64, actionDim: 10, hidden: 256, seed: 1);
        var objective = new LastFrameObjective(new ObjectiveSettings());
        var planner = new CemPlanner(model, objective, new CemSettings(Horizon: 5, Samples: 100, TopK: 10, OptSteps: 5));
        const int episodes = 8;
        var start = new LatentObservation(randn([episodes, 1, 16, 64], generator: new TorchSharp.torch.Generator(2)), randn([episodes, 1, 10], generator: new TorchSharp.torch.Generator(3)));
        var goal = new LatentObservation(randn([episodes, 1, 16, 64], generator: new TorchSharp.torch.Generator(4)), randn([episodes, 1, 10], generator: new TorchSharp.torch.Generator(5)));
        var seeds = Enumerable.Range(0, episodes).Select(e => (long)e).ToArray();
        planner.Plan(new PlanRequest(start.Slice(0, 1), goal.Slice(0, 1), [0])); // warm-up

        var batched = Stopwatch.StartNew();
        planner.Plan(new PlanRequest(start, goal, seeds));
        batched.Stop();
        var sequential = Stopwatch.StartNew();
        for (int e = 0; e < episodes; e++)
        {
            planner.Plan(new PlanRequest(start.Slice(e, 1), goal.Slice(e, 1), [seeds[e]]));
        }

        sequential.Stop();
        TestContext.Out.WriteLine($"threads {get_num_threads()}: batched {batched.ElapsedMilliseconds} ms, one by one {sequential.ElapsedMilliseconds} ms");
        Assert.That(batched.Elapsed, Is.LessThan(sequential.Elapsed * 1.2));
    }

    private sealed class MlpLatentModel : ILatentWorldModel
    {
        private readonly Tensor _w1;
        private readonly Tensor _w2;
        private readonly Tensor _wa;

        public MlpLatentModel(int tokens, int dim, int actionDim, int hidden, int seed)
        {
            var g = new TorchSharp.torch.Generator((ulong)seed);
            _w1 = randn([dim, hidden], generator: g).Div(Math.Sqrt(dim));
            _w2 = randn([hidden, dim], generator: g).Div(Math.Sqrt(hidden));
            _wa = randn([actionDim, dim], generator: g).Div(Math.Sqrt(actionDim));
            ActionDim = actionDim;
            _ = tokens;
        }

        public int ActionDim { get; }
        public Device Device => CPU;
        public ScalarType DType => ScalarType.Float32;

        public long BytesPerPredictRow => 0;

        public LatentObservation Encode(Tensor images, Tensor proprio) => throw new NotSupportedException();

        public LatentObservation PredictFinal(LatentObservation start, Tensor actions)
        {
            var z = start.Visual.select(1, start.Visual.shape[1] - 1);
            var p = start.Proprio.select(1, start.Proprio.shape[1] - 1);
            for (long k = 0; k < actions.shape[1]; k++)
            {
                var a = actions.select(1, k);
                z = z.Add(nn.functional.gelu(z.Add(a.matmul(_wa).unsqueeze(1)).matmul(_w1)).matmul(_w2));
                p = p.Add(a);
            }

            return new LatentObservation(z.unsqueeze(1), p.unsqueeze(1));
        }
    }
}
