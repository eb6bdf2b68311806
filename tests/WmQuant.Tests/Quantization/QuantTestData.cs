using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

/// <summary>Seeded test inputs and a seeded FsCheck runner, so every run checks the same cases.</summary>
internal static class QuantTestData
{
    /// <summary>Gaussian weights with a log-normal per-element scale: heavy tails like trained Linear weights.</summary>
    public static Tensor HeavyTailed(long rows, long columns, long seed)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var gaussian = randn([rows, columns], generator: generator);
        var spread = randn([rows, columns], generator: generator).Mul(0.75).exp();
        return (gaussian * spread).Mul(0.02).MoveToOuterDisposeScope();
    }

    /// <summary>Gaussian weights (σ 0.02) where 0.5% of entries are ±20σ outliers: the case range clipping is for.</summary>
    public static Tensor WithOutliers(long rows, long columns, long seed)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var weights = randn([rows, columns], generator: generator).Mul(0.02);
        var mask = rand([rows, columns], generator: generator).Lt(0.005);
        return where(mask, weights.sign().Mul(0.4), weights).MoveToOuterDisposeScope();
    }

    /// <summary>Same shape and bit-for-bit equal values.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    /// <summary>Runs a property with a fixed seed and throws on the first counterexample.</summary>
    public static void Check(Property property, int maxTests, ulong seed)
    {
        var replay = new Replay(new Rnd(seed), FSharpOption<int>.None);
        var config = Config.QuickThrowOnFailure.WithMaxTest(maxTests).WithReplay(FSharpOption<Replay>.Some(replay)).WithQuietOnSuccess(true);
        property.Check(config);
    }
}
