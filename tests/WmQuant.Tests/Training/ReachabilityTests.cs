using WmQuant.Environments.Wall;
using WmQuant.Runtime;
using WmQuant.Tests.Support;
using WmQuant.Training.Objectives;
using static TorchSharp.torch;

namespace WmQuant.Tests.Training;

public sealed class ReachabilityTests
{
    private static Tensor Frames(params (double X, double Y)[] positions) =>
        FrameTensors.Render(new WallRenderer(WallLayout.Default), 64, [.. positions.Select(p => new[] { p.X, p.Y })]);

    // Image pixels of the 64 px frame per world pixel of the 65 px DotWall world.
    private const double Scale = 64.0 / 65.0;

    [Test]
    public void PathsBetweenDotsGoRoundTheWallAndStraightElsewhere()
    {
        // Opposite sides at y = 50: the shortest way leads via the door corners (29, 34) and (35, 34).
        var viaDoor = (2 * Math.Sqrt((9 * 9) + (16 * 16))) + 6;
        var paths = PixelGeodesics.Pairwise(Frames((20, 50), (44, 50), (10, 10), (20, 20)));
        var d = paths.data<float>().ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(d[1] / Scale, Is.EqualTo(viaDoor).Within(10).Percent, "across the wall");
            Assert.That(d[1] / Scale, Is.GreaterThan(1.5 * 24), "much longer than the straight line through the wall");
            Assert.That(d[(2 * 4) + 3] / Scale, Is.EqualTo(Math.Sqrt(200)).Within(10).Percent, "same room: straight");
            Assert.That(paths.diag().abs().max().item<float>(), Is.Zero);
            Assert.That(ModelsIdentical(paths, paths.t()), Is.True, "symmetric");
        });
    }

    [Test]
    public void CentroidsFindTheDot()
    {
        var (x, y) = PixelGeodesics.Centroids(Frames((20, 50), (44.5, 12.25)));
        Assert.Multiple(() =>
        {
            Assert.That(x[1].item<float>() / Scale, Is.EqualTo(44.5).Within(0.5));
            Assert.That(y[1].item<float>() / Scale, Is.EqualTo(12.25).Within(0.5));
            Assert.That(x[0].item<float>() / Scale, Is.EqualTo(20).Within(0.5));
        });
    }

    [Test]
    public void LossVanishesWhenLatentDistancesMatchScaledPathsAndIgnoresUnreachablePairs()
    {
        const double scale = 0.1;
        var points = new float[,] { { 0, 0 }, { 3, 4 }, { 6, 0 }, { 1, 7 } };
        var p = tensor(points);
        // RMS over two coordinates is |Δ|/√2, so √2·scale·p has RMS distance scale·|Δ|.
        var latents = p.Mul((float)(Math.Sqrt(2) * scale)).reshape(4, 1, 2);
        var paths = (p.unsqueeze(1) - p.unsqueeze(0)).Pow(2).sum([2]).sqrt();

        var exact = ReachabilityLoss.Compute(latents, paths, scale).item<float>();
        var wrongScale = ReachabilityLoss.Compute(latents, paths, 2 * scale).item<float>();
        var unreachable = paths.clone();
        unreachable[0, 1] = tensor(float.PositiveInfinity);
        unreachable[1, 0] = tensor(float.PositiveInfinity);
        var withInfinity = ReachabilityLoss.Compute(latents, unreachable, scale).item<float>();

        Assert.Multiple(() =>
        {
            Assert.That(exact, Is.LessThan(1e-8));
            Assert.That(wrongScale, Is.GreaterThan(0.01));
            Assert.That(withInfinity, Is.LessThan(1e-8).And.Not.NaN, "pairs without a path are left out, not turned into NaN");
        });
    }

    [Test]
    public void LossGradientReachesTheLatents()
    {
        var latents = randn([5, 2, 3], generator: new Generator(3)).requires_grad_(true);
        var paths = ScalarOps.Full([5, 5], 10f);
        ReachabilityLoss.Compute(latents, paths, 0.05).backward();
        Assert.That(latents.grad!.abs().sum().item<float>(), Is.GreaterThan(0));
    }

    private static bool ModelsIdentical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
