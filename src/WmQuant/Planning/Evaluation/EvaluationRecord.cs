using System.Text.Json;
using System.Text.Json.Serialization;
using WmQuant.IO;
using WmQuant.Planning.Optimizers;

namespace WmQuant.Planning.Evaluation;

/// <summary>
/// An evaluation as it is stored: what ran (model hash, environment, planner, seeds) and what came out, down to each
/// episode. One format for <c>wmq eval --out</c>, a model's baseline.json, the pipeline's cache and artifact
/// manifests, so a gate can pair any two of them by seed.
/// </summary>
/// <param name="Environment">Environment name (wall, pusht).</param>
/// <param name="ModelSha256">SHA-256 of the evaluated weights file.</param>
/// <param name="Quantization">What was quantized, in words ("fp32" for none).</param>
/// <param name="Planner">Planner settings.</param>
/// <param name="EpisodeCount">Episodes evaluated.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + offset.</param>
/// <param name="Seed">Planning-noise seed.</param>
/// <param name="Device">Device it ran on.</param>
/// <param name="Successes">Episodes that reached their goal.</param>
/// <param name="SuccessRate">Successes / episodes.</param>
/// <param name="SuccessInterval95">95% Wilson interval [lower, upper].</param>
/// <param name="MeanStateDistance">Mean final state distance.</param>
/// <param name="MeanIterations">Mean MPC iterations per episode.</param>
/// <param name="MeanPlanLossPerIteration">Per MPC iteration, the executed plan's objective (mean over episodes planned in it).</param>
/// <param name="MeanLossPerOptStep">Per CEM/GD step of the first MPC iteration, the loss (mean over episodes).</param>
/// <param name="MeanImaginedRealGapPerIteration">Per MPC iteration, the imagined-vs-real latent gap.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="Episodes">Per-episode outcomes in episode order.</param>
public sealed record EvaluationRecord(
    string Environment,
    string ModelSha256,
    string Quantization,
    PlannerRecord Planner,
    int EpisodeCount,
    int SeedOffset,
    long Seed,
    string Device,
    int Successes,
    double SuccessRate,
    double[] SuccessInterval95,
    double MeanStateDistance,
    double MeanIterations,
    double[] MeanPlanLossPerIteration,
    double[] MeanLossPerOptStep,
    double[] MeanImaginedRealGapPerIteration,
    double Seconds,
    IReadOnlyList<EpisodeRecord> Episodes)
{
    /// <summary>
    /// Environment parameters that changed the task from its default (e.g. PushT's <c>goal_pace</c>); null for the
    /// default task, and then left out of the file, so such a record is never taken for a default-task baseline.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, double>? EnvironmentParameters { get; init; }

    /// <summary>
    /// The arithmetic the run planned in when it was not strict fp32 (tf32, bf16); null — and left out of the file — for
    /// fp32, so every record written before precisions existed reads as the fp32 it was.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PlanningPrecision? Precision { get; init; }

    /// <summary>The precision in effect (fp32 when the record names none).</summary>
    [JsonIgnore]
    public PlanningPrecision EffectivePrecision => Precision ?? PlanningPrecision.Fp32;

    /// <summary>
    /// The fields a record read from a file lacks (a hand-made or damaged file can leave any of them out, and JSON
    /// fills them with null): empty when the record can be judged, paired and described.
    /// </summary>
    public IReadOnlyList<string> MissingFields()
    {
        var missing = new List<string>();
        void Need(bool present, string name)
        {
            if (!present)
            {
                missing.Add(name);
            }
        }

        Need(Environment is not null, "environment");
        Need(ModelSha256 is not null, "model_sha256");
        Need(Quantization is not null, "quantization");
        Need(Planner is not null, "planner");
        Need(Device is not null, "device");
        Need(SuccessInterval95 is { Length: 2 }, "success_interval95 (two numbers)");
        Need(Episodes is not null && Episodes.All(e => e is not null), "episodes (a list of episode records)");
        return missing;
    }

    /// <summary>snake_case, indented, enums as their names: the on-disk form.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Builds the record of a finished run.</summary>
    public static EvaluationRecord From(EvaluationResult result, EvaluationSettings settings, string environment, string modelSha256, string quantization, string device)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(settings);
        var planner = PlannerRecord.From(settings);
        return new EvaluationRecord(
            environment,
            modelSha256,
            quantization,
            planner,
            result.Outcomes.Count,
            settings.EffectiveSeedOffset,
            settings.Seed,
            device,
            result.Successes,
            result.SuccessRate,
            [result.SuccessInterval.Lower, result.SuccessInterval.Upper],
            result.MeanStateDistance,
            result.Outcomes.Average(o => o.IterationsUsed),
            result.MeanPlanLossPerIteration,
            result.MeanLossPerOptStep.Count > 0 ? result.MeanLossPerOptStep[0] : [],
            result.MeanImaginedRealGapPerIteration,
            result.Elapsed.TotalSeconds,
            [.. result.Outcomes.Select(o => new EpisodeRecord(o.Seed, o.Success, o.FinalStateDistance, o.IterationsUsed))]);
    }

    /// <summary>Writes the record atomically (temporary file, then rename).</summary>
    public void Save(string path)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, JsonOptions));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a record (within <see cref="InputLimits.Evaluation"/>); a file that cannot be used throws <see cref="InvalidDataException"/> saying why, with the position.</summary>
    public static EvaluationRecord Load(string path)
    {
        var (record, problem) = BoundedText.ReadJson<EvaluationRecord>(path, InputLimits.Evaluation, JsonOptions);
        return record ?? throw new InvalidDataException(problem!.ToCanonicalString());
    }
}

/// <summary>Planner settings of an evaluation (for gradient planners: one sample, one elite, their own steps and noise).</summary>
/// <param name="Kind">Planner kind.</param>
/// <param name="Horizon">Model actions per plan.</param>
/// <param name="Samples">CEM samples (1 for gradient planners).</param>
/// <param name="TopK">CEM elites (1 for gradient planners).</param>
/// <param name="OptSteps">Optimisation steps per plan.</param>
/// <param name="Sigma">Initial standard deviation of the actions (normalised action units).</param>
/// <param name="MaxIterations">MPC iteration cap.</param>
/// <param name="Alpha">Weight of the proprio term of the objective.</param>
public sealed record PlannerRecord(PlannerKind Kind, int Horizon, int Samples, int TopK, int OptSteps, double Sigma, int MaxIterations, double Alpha)
{
    /// <summary>Gradient planners' step size; null (and absent from the file) for CEM.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LearningRate { get; init; }

    /// <summary>Gradient planners' per-step action noise; null (and absent from the file) for CEM.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ActionNoise { get; init; }

    /// <summary>The planner part of evaluation settings.</summary>
    public static PlannerRecord From(EvaluationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Planner is PlannerKind.MpcGradient or PlannerKind.OpenLoopGradient)
        {
            var gradient = settings.Gradient ?? new GradientSettings();
            return new PlannerRecord(
                settings.Planner,
                gradient.Horizon,
                1,
                1,
                gradient.OptSteps,
                gradient.InitialSigma,
                settings.Mpc.MaxIterations,
                (settings.Objective ?? new Objectives.ObjectiveSettings()).Alpha)
            {
                LearningRate = gradient.LearningRate,
                ActionNoise = gradient.ActionNoise,
            };
        }

        var cem = settings.Cem ?? new CemSettings();
        return new PlannerRecord(
            settings.Planner,
            cem.Horizon,
            cem.Samples,
            cem.TopK,
            cem.OptSteps,
            cem.InitialSigma,
            settings.Mpc.MaxIterations,
            (settings.Objective ?? new Objectives.ObjectiveSettings()).Alpha);
    }
}

/// <summary>One episode's outcome, keyed by its environment seed.</summary>
/// <param name="Seed">Environment seed.</param>
/// <param name="Success">Whether the goal was reached.</param>
/// <param name="FinalDistance">Final state distance to the goal.</param>
/// <param name="Iterations">MPC iterations used.</param>
public sealed record EpisodeRecord(int Seed, bool Success, double FinalDistance, int Iterations);
