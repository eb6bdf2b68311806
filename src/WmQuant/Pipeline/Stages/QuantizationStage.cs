using System.Diagnostics;
using System.Text.Json;
using WmQuant.Contract;
using WmQuant.IO;
using WmQuant.Models.Checkpoints;
using WmQuant.Naming;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Pipeline.Caching;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning.Adapters;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes;
using static TorchSharp.torch;
using Diagnostic = WmQuant.Diagnostics.Diagnostic;
using SourcePosition = WmQuant.Diagnostics.SourcePosition;

namespace WmQuant.Pipeline.Stages;

/// <summary>A quantized model as the pipeline keeps it: the packed artifact's files, its per-layer record and sizes.</summary>
/// <param name="PackedDirectory">The folder (in the stage cache) holding the artifact's model files.</param>
/// <param name="PackedFiles">Those files by name: config.json and model.safetensors (or the index and its shards).</param>
/// <param name="PackedSha256">
/// The artifact's digest over those files (<see cref="QuantizedModelArtifact.Digest(string)"/>): keys the quantized model's evaluation.
/// </param>
/// <param name="Layers">Per quantized layer: settings and errors.</param>
/// <param name="Sizes">Sizes versus fp32.</param>
/// <param name="Seconds">Time calibration and quantization took when they were computed.</param>
/// <param name="CalibrationEpisodes">Calibration episodes planned (every request is calibrated: its reports need held-out inputs).</param>
public sealed record QuantizedModel(
    string PackedDirectory,
    IReadOnlyList<string> PackedFiles,
    string PackedSha256,
    IReadOnlyList<LayerEntry> Layers,
    SizeInfo Sizes,
    double Seconds,
    int CalibrationEpisodes);

/// <summary>
/// Calibrates when the request needs it, quantizes a fresh copy of the recipe's model with the recipe's method and
/// packs it (config.json with the model config, normalization and method options, and the weights) into the stage's
/// cache folder; cached by the hash of its inputs. What is evaluated afterwards is this artifact reloaded, so the
/// numbers describe exactly the artifact.
/// </summary>
public static class QuantizationStage
{
    private const string RecordFileName = "quantization.json";

    /// <summary>
    /// Quantizes (or reuses the cached result) and returns the packed model, or the method's refusal as a diagnostic.
    /// The fresh copy of the model is loaded under the same rules as <paramref name="fp"/> (inside <paramref name="boundary"/>).
    /// </summary>
    public static (QuantizedModel? Model, bool Cached, Diagnostic? Problem) Run(
        Recipe recipe, ModelBundle fp, RunContext context, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken,
        RepositoryBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(fp);
        ArgumentNullException.ThrowIfNull(context);
        var request = recipe.Quantization;
        // Every method is calibrated: methods that need data fit on half of each layer's sampled inputs, and every
        // report gives each layer's output error on the other half. Block-wise methods (omniquant) also need whole
        // input sequences of the first blocks recorded.
        int blockInputs = request.CreateMethod() is IBlockWiseMethod blockWise ? blockWise.BlockInputSamples : 0;
        var calibration = CalibrationSettingsFor(recipe, fp) with { BlockInputSamples = blockInputs };
        string calibrationKey = CalibrationCacheKey.FromModelHash(fp.Sha256, calibration);
        string settings = RecipeWriter.Quantization(request).ToJsonString();
        string key = StageCache.KeyOf("quantize", new
        {
            modelSha256 = fp.Sha256,
            quantization = settings,
            calibrationKey,
            toolVersion = context.CacheVersion,
            artifactFormat = ArtifactQuantizationConfig.CurrentFormatVersion,
        });
        Diagnostic? problem = null;
        string directory;
        bool hit;
        try
        {
            (directory, hit) = context.Cache.GetOrCreate("quantize", key, folder =>
            {
                var clock = Stopwatch.StartNew();
                using var set = Calibrate(context.Cache, fp, calibration, progress, cancellationToken);
                var loaded = ModelBundle.Load(fp.CheckpointPath, recipe.Model.Config, boundary);
                using var model = loaded.Model ?? throw new InvalidDataException(string.Join("; ", loaded.Problems.Select(p => p.Text)));
                model.Model.MoveTo(context.Device, ScalarType.Float32);
                var method = request.CreateMethod();
                progress?.Report(new PipelineProgress("quantize", $"{method.Name} over the model", 0, 1));
                var outcome = method.Apply(model.Model, set, request.Plan);
                if (outcome.Error is { } error)
                {
                    problem = Diagnostic.Error(DiagnosticCodes.QuantizationRefused, $"{method.Name} cannot quantize this model as asked: {error.Message}",
                        SourcePosition.InFile(recipe.SourceFile));
                    throw new QuantizationRefusedException();
                }

                using var result = outcome.Result!;
                var written = QuantizedModelArtifact.Write(folder, model.Model, result, new ArtifactWriteOptions
                {
                    Normalization = fp.Normalization,
                    MethodOptions = request.Method.Describe(request.Options),
                    Notes = new Dictionary<string, string>(StringComparer.Ordinal) { [ArtifactConfigFile.SourceModelNote] = fp.Sha256 },
                });
                var layers = result.Reports.Where(r => !r.IsFloat).Select(r => new LayerEntry(
                    r.Layer,
                    r.Weights?.Bits ?? 16,
                    r.Weights is { } w ? Names.Of(w.Granularity) : "none",
                    r.Weights is { Granularity: WeightGranularity.PerGroup } g ? g.GroupSize : 0,
                    r.Activations is { } a ? QuantizationRequest.Describe(a.Config) : "none",
                    r.Weights?.WeightMse ?? 0,
                    r.OutputMse,
                    r.RelativeOutputError)).ToList();
                var size = written.Size;
                var sizes = new SizeInfo(
                    size.Fp32ParameterBytes,
                    size.TensorBytes,
                    size.QuantizedWeights,
                    Math.Round(size.EffectiveBitsPerQuantizedWeight, 4),
                    Math.Round(size.WholeModelReduction, 3));
                var record = new StageRecord(layers, sizes, Math.Round(clock.Elapsed.TotalSeconds, 3), calibration.Episodes);
                File.WriteAllText(Path.Combine(folder, RecordFileName), JsonSerializer.Serialize(record, ArtifactManifest.JsonOptions));
            });
        }
        catch (QuantizationRefusedException)
        {
            return (null, false, problem);
        }

        var (files, damaged) = QuantizedModelArtifact.ModelFiles(directory);
        if (damaged is not null)
        {
            throw new InvalidDataException($"the cached quantized model is incomplete: {damaged}");
        }

        var stored = JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(Path.Combine(directory, RecordFileName)), ArtifactManifest.JsonOptions)!;
        var quantized = new QuantizedModel(
            directory, files, QuantizedModelArtifact.Digest(directory), stored.Layers, stored.Sizes, stored.Seconds, stored.CalibrationEpisodes);
        return (quantized, hit, null);
    }

    /// <summary>
    /// Loads the packed artifact back as the fake-quant network evaluation plans with (bit-identical to the quantizer's output
    /// in float32; <paramref name="dtype"/> bfloat16 casts it for bf16 planning).
    /// </summary>
    public static Models.DinoWorldModel Reload(QuantizedModel quantized, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        var loaded = QuantizedModelArtifact.Load(quantized.PackedDirectory);
        var model = loaded.Model ?? throw new InvalidDataException(string.Join("; ", loaded.Problems));
        model.MoveTo(device, dtype);
        return model;
    }

    internal static CalibrationSettings CalibrationSettingsFor(Recipe recipe, ModelBundle fp)
    {
        var planner = recipe.Evaluation.Planner;
        var settings = RecipePlannerSettings.For(fp, planner, recipe.Calibration.Episodes, recipe.Calibration.SeedOffset, recipe.Seed);
        return new CalibrationSettings(
            recipe.Environment,
            PlanningNormalization.Of(fp),
            settings.Cem!,
            recipe.Calibration.Episodes,
            recipe.Calibration.MpcIterations,
            PlanningSeed: recipe.Seed,
            Planner: settings.Planner,
            Gradient: settings.Gradient,
            Objective: settings.Objective,
            ReservoirSeed: (ulong)recipe.Seed,
            SeedOffset: recipe.Calibration.SeedOffset);
    }

    internal static CalibrationSet Calibrate(StageCache cache, ModelBundle fp, CalibrationSettings settings, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken)
    {
        var batch = EnvironmentEpisodeBatch.ForModel(settings.Environment, fp.Model.Config);
        var report = progress is null ? null : new SynchronousProgress<CalibrationProgress>(p => progress.Report(new PipelineProgress(
            "calibrate", $"MPC iteration {p.Iteration}/{p.MaxIterations}, {p.LayersObserved} layers observed", p.Iteration, p.MaxIterations)));
        return cache.Root is { } root
            ? PlanningCalibrator.LoadOrRun(Path.Combine(root, "calibrate"), fp.CheckpointPath, fp.Model, settings, batch, report, cancellationToken: cancellationToken).Set
            : PlanningCalibrator.Run(fp.Model, settings, batch, fp.Sha256, report, cancellationToken: cancellationToken);
    }

    private sealed record StageRecord(IReadOnlyList<LayerEntry> Layers, SizeInfo Sizes, double Seconds, int CalibrationEpisodes);

    /// <summary>The method refused the request (a user-fixable problem): abandon the cache entry without an error.</summary>
    private sealed class QuantizationRefusedException : Exception;
}
