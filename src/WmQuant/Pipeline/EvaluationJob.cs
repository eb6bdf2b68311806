using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Models.Checkpoints;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Pipeline;

/// <summary>
/// What <c>wmq eval</c> asks for: a model (a float checkpoint, or a quantized artifact folder through
/// <see cref="ArtifactPath"/>), an environment, a planner and, for a checkpoint, optionally a quantization to simulate.
/// </summary>
/// <param name="ModelPath">model.safetensors (model.yaml and normalization.json beside it); ignored when <see cref="ArtifactPath"/> is set.</param>
/// <param name="Environment">A registered environment.</param>
/// <param name="Planner">The planner kind.</param>
/// <param name="Cem">CEM settings (CEM kinds).</param>
/// <param name="Gradient">Gradient settings (GD kinds).</param>
/// <param name="Episodes">Episodes.</param>
/// <param name="MaxIterations">MPC iteration cap.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + this.</param>
/// <param name="Seed">Planning-noise seed.</param>
/// <param name="Quantization">Quantization applied (fake-quant) before planning, in the same type recipes bind to; null for FP32.</param>
/// <param name="EnvironmentParameters">Task parameters that change the environment from its default, or null.</param>
/// <param name="Precision">The arithmetic planning runs in (tf32 and bf16 need CUDA).</param>
public sealed record EvaluationRequest(
    string ModelPath,
    string Environment,
    PlannerKind Planner,
    CemSettings Cem,
    GradientSettings Gradient,
    int Episodes,
    int MaxIterations,
    int SeedOffset,
    long Seed,
    QuantizationRequest? Quantization,
    IReadOnlyDictionary<string, double>? EnvironmentParameters,
    PlanningPrecision Precision = PlanningPrecision.Fp32)
{
    /// <summary>
    /// A quantized artifact folder to evaluate as it is (config.json and its weights; the manifest, when present, verified
    /// first) instead of <see cref="ModelPath"/>; null for a float checkpoint.
    /// </summary>
    public string? ArtifactPath { get; init; }
}

/// <summary>An evaluation's result and its record (what <c>--out</c> writes), or the problems that stopped it.</summary>
/// <param name="Result">The evaluation, when it ran.</param>
/// <param name="Record">Its record, when it ran.</param>
/// <param name="Problems">Why it did not run.</param>
public sealed record EvaluationOutcome(EvaluationResult? Result, EvaluationRecord? Record, IReadOnlyList<Diagnostic> Problems)
{
    /// <summary>
    /// For an artifact whose manifest records a quantized evaluation: how this one compares with it, episode by episode;
    /// null for checkpoints and for artifacts without a manifest.
    /// </summary>
    public RecordedEvaluationComparison? Recorded { get; init; }
}

/// <summary>An evaluation of an artifact set beside the quantized evaluation its manifest records.</summary>
/// <param name="Comparable">True when both planned the same episodes the same way (environment, planner, episodes, seeds, precision, device kind).</param>
/// <param name="Reason">When not comparable: the first setting that differs, with both values.</param>
/// <param name="Identical">Episodes with the same success, final distance and MPC iterations.</param>
/// <param name="Episodes">Episodes compared.</param>
/// <param name="DifferingSeeds">Seeds of the episodes that differ.</param>
public sealed record RecordedEvaluationComparison(bool Comparable, string? Reason, int Identical, int Episodes, IReadOnlyList<int> DifferingSeeds)
{
    /// <summary>Compares <paramref name="current"/> with <paramref name="recorded"/> (the manifest's quantized evaluation).</summary>
    public static RecordedEvaluationComparison Of(EvaluationRecord current, EvaluationRecord recorded)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(recorded);
        static string Kind(string device) => device.Split(':')[0];
        string? reason =
            current.Environment != recorded.Environment ? $"environment {current.Environment} vs {recorded.Environment}"
            : current.Planner != recorded.Planner ? $"planner {current.Planner} vs {recorded.Planner}"
            : current.EpisodeCount != recorded.EpisodeCount ? $"episodes {current.EpisodeCount} vs {recorded.EpisodeCount}"
            : current.SeedOffset != recorded.SeedOffset ? $"seed offset {current.SeedOffset} vs {recorded.SeedOffset}"
            : current.Seed != recorded.Seed ? $"seed {current.Seed} vs {recorded.Seed}"
            : current.EffectivePrecision != recorded.EffectivePrecision ? $"precision {current.EffectivePrecision} vs {recorded.EffectivePrecision}"
            : Kind(current.Device) != Kind(recorded.Device) ? $"device {Kind(current.Device)} vs {Kind(recorded.Device)}"
            : current.EnvironmentParameters is not null || recorded.EnvironmentParameters is not null ? "environment parameters"
            : null;
        if (reason is not null)
        {
            return new RecordedEvaluationComparison(false, reason, 0, 0, []);
        }

        var differing = current.Episodes.Zip(recorded.Episodes).Where(p => p.First != p.Second).Select(p => p.First.Seed).ToList();
        return new RecordedEvaluationComparison(true, null, current.Episodes.Count - differing.Count, current.Episodes.Count, differing);
    }
}

/// <summary>
/// The use-case behind <c>wmq eval</c>: load a model, quantize it as asked (the registered method, without
/// calibration data), and plan on evaluation episodes. Input problems come back as diagnostics.
/// </summary>
public static class EvaluationJob
{
    /// <summary>Runs the evaluation on the runtime's device.</summary>
    public static EvaluationOutcome Run(EvaluationRequest request, TorchRuntimeInfo runtime, IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(runtime);
        if (request.Quantization is { NeedsCalibration: true } needs)
        {
            return Refused($"{needs.Describe()} needs calibration data (method '{needs.Method.Name}' or static activation ranges); run it through a recipe (wmq run), which calibrates");
        }

        if (request.Precision.Problem(runtime.Device) is { } unusable)
        {
            return new EvaluationOutcome(null, null, [Diagnostic.Error(DiagnosticCodes.DeviceUnavailable, unusable)]);
        }

        if (request.ArtifactPath is { } artifact)
        {
            return request.Quantization is null
                ? RunArtifact(request, artifact, runtime, progress, cancellationToken)
                : Refused("an artifact is evaluated as it was quantized; the quantization options apply to a float checkpoint (--model)");
        }

        if (ArtifactBeside(request.ModelPath) is { } folder)
        {
            return new EvaluationOutcome(null, null, [Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, Path.GetFullPath(request.ModelPath),
                $"these are the packed weights of a quantized artifact ({ArtifactConfigFile.FileName} beside them), not a float checkpoint",
                $"evaluate the artifact with --artifact {folder}")]);
        }

        var loaded = ModelBundle.Load(request.ModelPath);
        if (loaded.Model is null)
        {
            return new EvaluationOutcome(null, null, loaded.Problems);
        }

        using var bundle = loaded.Model;
        bundle.Model.MoveTo(runtime.Device, ScalarType.Float32);
        string quantization = "fp32";
        if (request.Quantization is { } asked)
        {
            var outcome = asked.CreateMethod().Apply(bundle.Model, calibration: null, asked.Plan);
            if (outcome.Error is { } error)
            {
                return Refused($"{asked.Method.Name} cannot quantize this model as asked: {error.Message}");
            }

            outcome.Result!.Dispose();
            quantization = asked.Describe();
        }

        bundle.Model.MoveTo(runtime.Device, request.Precision.ModelDtype());
        using var precision = request.Precision.Enter(runtime.Device);

        var settings = Settings(request, bundle.CreateMpcSettings(request.MaxIterations));
        var batch = EnvironmentEpisodeBatch.ForModel(request.Environment, bundle.Model.Config, request.EnvironmentParameters);
        var result = new EvaluationRunner(bundle.CreateAdapter(), settings).Run(batch, progress, cancellationToken);
        var record = EvaluationRecord.From(result, settings, request.Environment, bundle.Sha256, quantization, runtime.Device.ToString())
            with { EnvironmentParameters = request.EnvironmentParameters, Precision = request.Precision == PlanningPrecision.Fp32 ? null : request.Precision };
        return new EvaluationOutcome(result, record, []);
    }

    /// <summary>
    /// Plans with a quantized artifact rebuilt from its folder alone: the same network, statistics and settings the
    /// quantized evaluation of the run that made it used, so equal options give the same episodes.
    /// </summary>
    private static EvaluationOutcome RunArtifact(
        EvaluationRequest request, string path, TorchRuntimeInfo runtime, IProgress<EvaluationProgress>? progress, CancellationToken cancellationToken)
    {
        var (input, problems) = ArtifactModelInput.Open(path);
        if (input is null)
        {
            return new EvaluationOutcome(null, null, problems);
        }

        var (network, loadProblems) = input.Load(runtime.Device, request.Precision.ModelDtype());
        if (network is null)
        {
            return new EvaluationOutcome(null, null, [.. problems, .. loadProblems]);
        }

        using (network)
        {
            using var precision = request.Precision.Enter(runtime.Device);
            var settings = Settings(request, input.Normalization.CreateMpcSettings(request.MaxIterations));
            var batch = EnvironmentEpisodeBatch.ForModel(request.Environment, input.ModelConfig, request.EnvironmentParameters);
            var result = new EvaluationRunner(input.Normalization.CreateAdapter(network), settings).Run(batch, progress, cancellationToken);
            var record = EvaluationRecord.From(result, settings, request.Environment, input.Digest, input.Quantization, runtime.Device.ToString())
                with { EnvironmentParameters = request.EnvironmentParameters, Precision = request.Precision == PlanningPrecision.Fp32 ? null : request.Precision };
            return new EvaluationOutcome(result, record, problems)
            {
                Recorded = input.Manifest?.Quantized is { } recorded ? RecordedEvaluationComparison.Of(record, recorded) : null,
            };
        }
    }

    private static EvaluationSettings Settings(EvaluationRequest request, Planning.Mpc.MpcSettings mpc) => new(
        mpc,
        request.Planner,
        request.Episodes,
        Seed: request.Seed,
        Cem: request.Cem,
        Gradient: request.Gradient,
        SeedOffset: request.SeedOffset == EpisodeSeeds.Offset(EpisodeSeedSet.Evaluation) ? null : request.SeedOffset);

    /// <summary>The artifact folder holding <paramref name="modelPath"/> when it is an artifact's weights (config.json with a quantization_config beside it).</summary>
    private static string? ArtifactBeside(string modelPath)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(modelPath));
        if (folder is null || !File.Exists(Path.Combine(folder, ArtifactConfigFile.FileName)) || File.Exists(Models.Checkpoints.WorldModelCheckpoint.ConfigPathFor(modelPath)))
        {
            return null;
        }

        var (config, _) = ArtifactConfigFile.Read(folder);
        return config is null ? null : folder;
    }

    private static EvaluationOutcome Refused(string message) =>
        new(null, null, [Diagnostic.Error(DiagnosticCodes.OptionValue, message)]);
}
