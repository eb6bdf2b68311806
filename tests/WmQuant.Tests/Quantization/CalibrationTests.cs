using WmQuant.Models;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Calibration;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization;

public class CalibrationTests
{
    private static byte[] SavedBytes(CalibrationSet set, string folder)
    {
        set.Save(folder);
        return [.. File.ReadAllBytes(Path.Combine(folder, CalibrationSet.TensorsFileName)), .. File.ReadAllBytes(Path.Combine(folder, CalibrationSet.ManifestFileName))];
    }

    [Test]
    public void Planner_calibration_records_every_layer_and_is_identical_for_the_same_seed()
    {
        using var temp = new TempDirectory();
        string root = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 7);
        var settings = QuantModelTestSupport.SmallCalibration(episodes: 3, iterations: 2);
        var reports = new List<CalibrationProgress>();
        using var first = PlanningCalibrator.Run(model, settings, QuantModelTestSupport.Environments(model.Config), "ab12", new SyncProgress<CalibrationProgress>(reports.Add));
        using var second = PlanningCalibrator.Run(model, settings, QuantModelTestSupport.Environments(model.Config), "ab12");

        Assert.That(first.Layers, Is.EquivalentTo(model.NamedQuantizableLayers().Select(l => l.Name)));
        Assert.That(model.NamedQuantizableLayers().All(l => l.Layer.InputObserver is null), Is.True, "observers are removed afterwards");
        Assert.That(first.Provenance.EncodeCalls, Is.GreaterThan(0));
        Assert.That(first.Provenance.PredictCalls, Is.GreaterThan(0));
        Assert.That(first.Provenance.Key, Is.EqualTo(CalibrationCacheKey.FromModelHash("ab12", settings)));
        Assert.That(reports.Select(r => r.Iteration), Is.EqualTo(Enumerable.Range(1, reports.Count)));
        Assert.That(reports[^1].LayersObserved, Is.EqualTo(first.Layers.Count));
        var qkv = first.TryGet("predictor.transformer.layers.0.0.to_qkv")!;
        Assert.That(qkv.TokensSeen, Is.GreaterThan(qkv.Capacity), "CEM samples flow through the predictor");
        Assert.That(qkv.ReservoirCount, Is.EqualTo(64));
        Assert.That(SavedBytes(first, Path.Combine(root, "a")), Is.EqualTo(SavedBytes(second, Path.Combine(root, "b"))));
    }

    [Test]
    public void Saved_calibration_loads_back_identical_and_damage_is_reported()
    {
        using var temp = new TempDirectory();
        string root = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 7);
        var settings = QuantModelTestSupport.SmallCalibration(episodes: 2, iterations: 1);
        using var original = PlanningCalibrator.Run(model, settings, QuantModelTestSupport.Environments(model.Config), "cd34");
        string folder = Path.Combine(root, "set");
        byte[] saved = SavedBytes(original, folder);

        var loaded = CalibrationSet.Load(folder);
        Assert.That(loaded.Problem, Is.Null);
        using var copy = loaded.Set!;
        Assert.That(copy.Provenance, Is.EqualTo(original.Provenance));
        Assert.That(copy.Layers, Is.EqualTo(original.Layers));
        var a = original.Statistics.ToTensors();
        var b = copy.Statistics.ToTensors();
        Assert.That(b.Keys.Order(), Is.EqualTo(a.Keys.Order()));
        foreach (string key in a.Keys)
        {
            Assert.That(QuantModelTestSupport.Identical(a[key], b[key]), Is.True, key);
        }

        Assert.That(SavedBytes(copy, Path.Combine(root, "again")), Is.EqualTo(saved), "load then save is byte-identical");

        var tensors = Path.Combine(folder, CalibrationSet.TensorsFileName);
        var bytes = File.ReadAllBytes(tensors);
        bytes[^1] ^= 1;
        File.WriteAllBytes(tensors, bytes);
        Assert.That(CalibrationSet.Load(folder).Problem, Does.Contain("SHA-256"));
        Assert.That(CalibrationSet.Load(Path.Combine(root, "none")).Problem, Does.Contain("no complete calibration set"));
    }

    [Test]
    public void Cache_key_changes_when_any_input_changes()
    {
        var settings = QuantModelTestSupport.SmallCalibration();
        byte[] model = [1, 2, 3, 4];
        string key = CalibrationCacheKey.Compute(model, settings);
        Assert.That(key, Has.Length.EqualTo(64));
        Assert.That(CalibrationCacheKey.Compute(model, settings with { }), Is.EqualTo(key), "equal settings, equal key");
        Assert.That(CalibrationCacheKey.Compute(model, QuantModelTestSupport.SmallCalibration()), Is.EqualTo(key), "a fresh but equal settings object");
        var variants = new Dictionary<string, string>
        {
            ["model bytes"] = CalibrationCacheKey.Compute([1, 2, 3, 5], settings),
            ["environment"] = CalibrationCacheKey.Compute(model, settings with { Environment = "pusht" }),
            ["episodes"] = CalibrationCacheKey.Compute(model, settings with { Episodes = 4 }),
            ["iterations"] = CalibrationCacheKey.Compute(model, settings with { MpcIterations = 2 }),
            ["seed offset"] = CalibrationCacheKey.Compute(model, settings with { SeedOffset = 3 }),
            ["first episode"] = CalibrationCacheKey.Compute(model, settings with { FirstEpisode = 1 }),
            ["planning seed"] = CalibrationCacheKey.Compute(model, settings with { PlanningSeed = 1 }),
            ["cem"] = CalibrationCacheKey.Compute(model, settings with { Cem = settings.Cem with { Samples = 7 } }),
            ["sigma"] = CalibrationCacheKey.Compute(model, settings with { Cem = settings.Cem with { InitialSigma = 3 } }),
            ["normalization"] = CalibrationCacheKey.Compute(model, settings with { Normalization = settings.Normalization with { ActionStd = [0.4f, 0.41f] } }),
            ["objective"] = CalibrationCacheKey.Compute(model, settings with { Objective = new(0.5) }),
            ["reservoir"] = CalibrationCacheKey.Compute(model, settings with { ReservoirCapacity = 65 }),
            ["reservoir seed"] = CalibrationCacheKey.Compute(model, settings with { ReservoirSeed = 6 }),
            ["layers"] = CalibrationCacheKey.Compute(model, settings with { Layers = ["encoder.blocks.0.attn.qkv"] }),
            ["planner"] = CalibrationCacheKey.Compute(model, settings with { Planner = WmQuant.Planning.PlannerKind.MpcGradient, Gradient = new GradientSettings() }),
        };
        foreach (var (what, other) in variants)
        {
            Assert.That(other, Is.Not.EqualTo(key), what);
        }

        Assert.That(variants.Values.Distinct().Count(), Is.EqualTo(variants.Count));
    }

    [Test]
    public void Load_or_run_serves_the_second_request_from_the_cache()
    {
        using var temp = new TempDirectory();
        string root = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 8);
        string modelPath = Path.Combine(root, "model.safetensors");
        WmQuant.Models.Checkpoints.WorldModelCheckpoint.Save(model, modelPath);
        var settings = QuantModelTestSupport.SmallCalibration(episodes: 2, iterations: 1);
        var (first, firstCached) = PlanningCalibrator.LoadOrRun(Path.Combine(root, "cache"), modelPath, model, settings, QuantModelTestSupport.Environments(model.Config));
        var (second, secondCached) = PlanningCalibrator.LoadOrRun(Path.Combine(root, "cache"), modelPath, model, settings, QuantModelTestSupport.Environments(model.Config));
        using (first)
        using (second)
        {
            Assert.That(firstCached, Is.False);
            Assert.That(secondCached, Is.True);
            Assert.That(second.Provenance.Key, Is.EqualTo(CalibrationCacheKey.Compute(modelPath, settings)));
            Assert.That(Directory.Exists(Path.Combine(root, "cache", second.Provenance.Key!)), Is.True);
        }
    }

    [Test]
    public void Calibration_refuses_a_model_that_already_quantizes_its_inputs()
    {
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 7);
        model.NamedLinears().First().Layer.InputTransform = x => x;
        Assert.Throws<InvalidOperationException>(() => QuantModelTestSupport.Calibrate(model));
        Assert.Throws<ArgumentException>(() => QuantModelTestSupport.Calibrate(model, QuantModelTestSupport.SmallCalibration() with { Layers = ["encoder.nope"] }));
    }

    /// <summary>Reports on the calling thread (System.Progress posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
