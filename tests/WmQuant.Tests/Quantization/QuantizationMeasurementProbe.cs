using System.Diagnostics;
using System.Text.Json;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Quantization.Sensitivity;

namespace WmQuant.Tests.Quantization;

/// <summary>
/// The issue-7 CPU figures on the bundled Wall model: packed sizes, calibration time (50 episodes × 2 MPC
/// iterations, CPU planner profile) and a W3 per-channel sensitivity scan. Explicit: minutes of CPU, run by name:
/// <c>dotnet test -c Release --filter "FullyQualifiedName~QuantizationMeasurementProbe"</c>.
/// </summary>
[Explicit("measurement probe: minutes of CPU; run by name")]
public class QuantizationMeasurementProbe
{
    private static readonly CemSettings CpuProfile = new(Horizon: 5, Samples: 64, TopK: 8, OptSteps: 5, InitialSigma: 1.0);

    [Test]
    public void Packed_sizes_of_the_wall_model()
    {
        var cases = new (string Label, ModelQuantizationPlan Plan)[]
        {
            ("W8 channel", ModelQuantizationPlan.Study(new WeightQuantConfig(8, WeightGranularity.PerChannel))),
            ("W4 g128", ModelQuantizationPlan.Study(new WeightQuantConfig(4, WeightGranularity.PerGroup, 128))),
            ("W3 g128", ModelQuantizationPlan.Study(new WeightQuantConfig(3, WeightGranularity.PerGroup, 128))),
            ("enc W8 channel / pred W4 g128", new ModelQuantizationPlan(new WeightQuantConfig(8, WeightGranularity.PerChannel), new WeightQuantConfig(4, WeightGranularity.PerGroup, 128))),
        };
        long fp32File = new FileInfo(QuantModelTestSupport.WallModelPath).Length;
        TestContext.Out.WriteLine($"fp32 model.safetensors: {fp32File} B");
        foreach (var (label, plan) in cases)
        {
            using var model = QuantModelTestSupport.LoadWall();
            using var result = QuantizationMethodCatalog.Create(QuantizationMethodKind.Rtn).Method!.Apply(model, null, plan).Unwrap();
            QuantizedModelArtifact.Serialize(model, result, out var size);
            long linearFp32 = size.QuantizedWeights * 4;
            TestContext.Out.WriteLine(
                $"{label}: {size.Layers.Count} packed layers, {size.QuantizedWeights} weights, {size.EffectiveBitsPerQuantizedWeight:F3} bits/weight " +
                $"({linearFp32} B fp32 -> {size.QuantizedStorageBits / 8} B, {size.QuantizedLayersReduction:F2}x); " +
                $"file {size.FileBytes} B vs fp32 parameters {size.Fp32ParameterBytes} B ({size.WholeModelReduction:F2}x, fp32 file {(double)fp32File / size.FileBytes:F2}x); " +
                $"per layer min/max {size.Layers.Min(l => l.EffectiveBitsPerWeight):F3}/{size.Layers.Max(l => l.EffectiveBitsPerWeight):F3}");
        }
    }

    [Test]
    public void Calibration_and_w3_sensitivity_on_the_wall_model()
    {
        using var model = QuantModelTestSupport.LoadWall();
        var normalization = Normalization();
        var settings = new CalibrationSettings("wall", normalization, CpuProfile, Episodes: 50, MpcIterations: 2);
        var clock = Stopwatch.StartNew();
        using var calibration = PlanningCalibrator.Run(model, settings, EnvironmentEpisodeBatch.ForModel("wall", model.Config), CalibrationCacheKey.ModelSha256(QuantModelTestSupport.WallModelPath));
        double calibrationSeconds = clock.Elapsed.TotalSeconds;
        string folder = QuantModelTestSupport.TempDirectory();
        try
        {
            calibration.Save(folder);
            long bytes = Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length);
            var qkv = calibration.TryGet("predictor.transformer.layers.0.0.to_qkv")!;
            TestContext.Out.WriteLine(
                $"calibration 50 episodes x 2 MPC iterations (CEM 64/8/5, horizon 5): {calibrationSeconds:F1} s, {calibration.Layers.Count} layers, " +
                $"{calibration.Provenance.EncodeCalls} encoder calls, {calibration.Provenance.PredictCalls} predictor rollouts, " +
                $"{qkv.TokensSeen} tokens into predictor layer 0 qkv, saved {bytes} B, key {calibration.Provenance.Key}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var scanSettings = new SensitivitySettings(normalization, CpuProfile, Episodes: 8);
        clock.Restart();
        var scan = SensitivityScan.Run(
            model,
            ModelQuantizationPlan.Study(new WeightQuantConfig(3, WeightGranularity.PerChannel)),
            QuantizationMethodCatalog.Create(QuantizationMethodKind.Rtn).Method!,
            calibration,
            scanSettings,
            EnvironmentEpisodeBatch.ForModel("wall", model.Config)).Result!;
        TestContext.Out.WriteLine($"sensitivity scan W3 per-channel RTN, {scan.Ranked.Count} layers x 8 episodes (CEM 64/8/5): {clock.Elapsed.TotalSeconds:F1} s; FP plan loss {scan.FpPlanLoss:E3}");
        foreach (var entry in scan.Ranked)
        {
            TestContext.Out.WriteLine($"  {entry.Unit}: |dJ| {entry.PlanLossChange:E3}, dJ {entry.PlanLossDelta:E3}, FP regret {entry.FpRegret:E3}, output MSE {entry.OutputMse:E3}");
        }
    }

    private static PlanningNormalization Normalization()
    {
        string path = Path.Combine(Path.GetDirectoryName(QuantModelTestSupport.WallModelPath)!, "normalization.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        float[] Read(string name) => [.. document.RootElement.GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble())];
        return new PlanningNormalization(Read("action_mean"), Read("action_std"), Read("proprio_mean"), Read("proprio_std"));
    }
}
