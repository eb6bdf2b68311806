using WmQuant.Models;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Quantization.Sensitivity;

namespace WmQuant.Tests.Quantization;

public class SensitivityScanTests
{
    private const string Broken = "predictor.transformer.layers.0.1.net.1";

    private static SensitivitySettings Settings(SensitivityUnit unit = SensitivityUnit.Layer, SensitivityRanking rank = SensitivityRanking.PlanLossChange) => new(
        new PlanningNormalization([0f, 0f], [0.4f, 0.4f], [32f, 32f], [16f, 16f]),
        new CemSettings(Horizon: 2, Samples: 8, TopK: 2, OptSteps: 2),
        Episodes: 3,
        Unit: unit,
        RankBy: rank);

    private static ModelQuantizationPlan BrokenPlan() =>
        ModelQuantizationPlan.Study(new WeightQuantConfig(8, WeightGranularity.PerChannel))
            .With(new QuantScopeRule(LayerSelector.Glob(Broken), new WeightQuantConfig(2, WeightGranularity.PerTensor), null));

    [Test]
    public void A_deliberately_broken_layer_ranks_first_and_the_model_is_restored()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 31);
        var before = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer.WeightMatrix.detach().clone());
        var progress = new List<SensitivityProgress>();
        var outcome = SensitivityScan.Run(model, BrokenPlan(), QuantModelTestSupport.Method("rtn"), null, Settings(), QuantModelTestSupport.Environments(model.Config), new SyncProgress(progress.Add));
        var result = outcome.Result!;
        foreach (var entry in result.Ranked.Take(4))
        {
            TestContext.Out.WriteLine($"{entry.Unit}: |dJ| {entry.PlanLossChange:E3}, dJ {entry.PlanLossDelta:E3}, FP regret {entry.FpRegret:E3}");
        }

        Assert.That(result.Ranked, Has.Count.EqualTo(model.NamedLinears().Count()));
        Assert.That(result.Ranked[0].Unit, Is.EqualTo(Broken));
        Assert.That(result.RankedBy, Is.EqualTo(SensitivityRanking.PlanLossChange));
        Assert.That(result.Ranked[0].PlanLossChange, Is.GreaterThan(10 * result.Ranked[1].PlanLossChange), "2 bits per tensor stands out");
        Assert.That(progress.Select(p => p.Done), Is.EqualTo(Enumerable.Range(1, result.Ranked.Count)));
        Assert.That(result.Ranked[0].OutputMse, Is.Null, "no calibration data");
        foreach (var (name, layer) in model.NamedQuantizableLayers())
        {
            Assert.That(QuantModelTestSupport.Identical(layer.WeightMatrix.detach(), before[name]), Is.True, name);
            Assert.That(layer.InputTransform, Is.Null, name);
        }
    }

    [Test]
    public void Block_units_group_a_blocks_layers_and_output_error_comes_from_calibration()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 31);
        using var calibration = QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration(episodes: 2, iterations: 1));
        var outcome = SensitivityScan.Run(model, BrokenPlan(), QuantModelTestSupport.Method("rtn"), calibration, Settings(SensitivityUnit.Block, SensitivityRanking.OutputMse), QuantModelTestSupport.Environments(model.Config));
        var result = outcome.Result!;
        Assert.That(result.Ranked.Select(e => e.Unit), Is.EquivalentTo(new[] { "encoder.blocks.0", "encoder.blocks.1", "predictor.transformer.layers.0", "predictor.transformer.layers.1" }));
        Assert.That(result.Ranked.All(e => e.Layers.Count == 4 && e.OutputMse > 0), Is.True);
        Assert.That(result.Ranked[0].Unit, Is.EqualTo("predictor.transformer.layers.0"));
    }

    [Test]
    public void Static_ranges_without_calibration_are_reported_not_thrown()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 31);
        var plan = ModelQuantizationPlan.Study(new WeightQuantConfig(8, WeightGranularity.PerChannel), new ActivationQuantConfig(8, ActivationGranularity.PerTensorStatic));
        var outcome = SensitivityScan.Run(model, plan, QuantModelTestSupport.Method("rtn"), null, Settings(), QuantModelTestSupport.Environments(model.Config));
        Assert.That(outcome.Error!.Code, Is.EqualTo(QuantizationError.CalibrationRequired));
    }

    private sealed class SyncProgress(Action<SensitivityProgress> report) : IProgress<SensitivityProgress>
    {
        public void Report(SensitivityProgress value) => report(value);
    }
}
