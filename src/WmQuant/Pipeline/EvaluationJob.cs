using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Models.Checkpoints;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Model;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Pipeline;

/// <summary>What <c>wmq eval</c> asks for: a model, an environment, a planner and, optionally, a quantization to simulate.</summary>
/// <param name="ModelPath">model.safetensors (model.yaml and normalization.json beside it).</param>
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
    PlanningPrecision Precision = PlanningPrecision.Fp32);

/// <summary>An evaluation's result and its record (what <c>--out</c> writes), or the problems that stopped it.</summary>
/// <param name="Result">The evaluation, when it ran.</param>
/// <param name="Record">Its record, when it ran.</param>
/// <param name="Problems">Why it did not run.</param>
public sealed record EvaluationOutcome(EvaluationResult? Result, EvaluationRecord? Record, IReadOnlyList<Diagnostic> Problems);

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

        var settings = new EvaluationSettings(
            bundle.CreateMpcSettings(request.MaxIterations),
            request.Planner,
            request.Episodes,
            Seed: request.Seed,
            Cem: request.Cem,
            Gradient: request.Gradient,
            SeedOffset: request.SeedOffset == EpisodeSeeds.Offset(EpisodeSeedSet.Evaluation) ? null : request.SeedOffset);
        var batch = EnvironmentEpisodeBatch.ForModel(request.Environment, bundle.Model.Config, request.EnvironmentParameters);
        var result = new EvaluationRunner(bundle.CreateAdapter(), settings).Run(batch, progress, cancellationToken);
        var record = EvaluationRecord.From(result, settings, request.Environment, bundle.Sha256, quantization, runtime.Device.ToString())
            with { EnvironmentParameters = request.EnvironmentParameters, Precision = request.Precision == PlanningPrecision.Fp32 ? null : request.Precision };
        return new EvaluationOutcome(result, record, []);
    }

    private static EvaluationOutcome Refused(string message) =>
        new(null, null, [Diagnostic.Error(DiagnosticCodes.OptionValue, message)]);
}
