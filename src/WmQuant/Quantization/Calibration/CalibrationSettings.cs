using System.Text;
using System.Text.Json;
using WmQuant.Planning;
using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;

namespace WmQuant.Quantization.Calibration;

/// <summary>
/// Everything that determines a calibration run besides the model: the FP planner on calibration episodes
/// (seeds 99·n + <see cref="SeedOffset"/>, 2 by default), MPC capped at <see cref="MpcIterations"/>, and how much of each layer's input is kept.
/// Two equal settings on the same model give the same calibration set, which is what the cache key relies on.
/// </summary>
/// <param name="Environment">Environment name ("wall", "pusht"), recorded and hashed.</param>
/// <param name="Normalization">Dataset statistics the planner applies.</param>
/// <param name="Cem">CEM settings (the evaluation's planner settings, typically).</param>
/// <param name="Episodes">Calibration episodes (study: 50).</param>
/// <param name="MpcIterations">MPC iterations recorded per episode (study: 1–2; default 2).</param>
/// <param name="FirstEpisode">Index n of the first calibration episode.</param>
/// <param name="PlanningSeed">Seed of the planning noise.</param>
/// <param name="Planner">Planner kind (the FP planner of the evaluation).</param>
/// <param name="Gradient">Gradient planner settings, for gradient planner kinds.</param>
/// <param name="Objective">Objective weights (default: alpha 1).</param>
/// <param name="ReservoirCapacity">Input tokens kept per layer (a uniform sample, for OMSE ranges and output errors).</param>
/// <param name="ReservoirSeed">Seed of the reservoir sampling.</param>
/// <param name="Layers">Layers to record; null records every quantizable layer, which lets one calibration set serve every plan.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + this (the study's calibration offset 2; a recipe's calibration.seed_offset).</param>
/// <param name="BlockInputSamples">
/// Whole input sequences of the first encoder block and the first predictor layer to keep per sequence length
/// (<see cref="BlockInputSample"/>), for block-wise methods; 0 (the default) records none, and then neither the key
/// nor the files mention block inputs.
/// </param>
public sealed record CalibrationSettings(
    string Environment,
    PlanningNormalization Normalization,
    CemSettings Cem,
    int Episodes = 50,
    int MpcIterations = 2,
    int FirstEpisode = 0,
    long PlanningSeed = 0,
    PlannerKind Planner = PlannerKind.MpcCem,
    GradientSettings? Gradient = null,
    ObjectiveSettings? Objective = null,
    int ReservoirCapacity = 1024,
    ulong ReservoirSeed = 0,
    IReadOnlyList<string>? Layers = null,
    int SeedOffset = 2,
    int BlockInputSamples = 0)
{
    /// <summary>Most block input sequences a calibration may keep per stream.</summary>
    public const int MaxBlockInputSamples = 65536;

    /// <summary>
    /// Version of the calibration file format and of what calibration records; part of every cache key. 2: per-channel
    /// signed min and max of every layer's input are recorded too (sets of version 1 are recalibrated).
    /// </summary>
    public const int FormatVersion = 2;

    /// <summary>Every problem with the settings (empty when usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Environment))
        {
            problems.Add("calibration needs an environment name");
        }

        if (Episodes < 1)
        {
            problems.Add($"calibration episodes must be at least 1, got {Episodes}");
        }

        if (MpcIterations < 1)
        {
            problems.Add($"calibration MPC iterations must be at least 1, got {MpcIterations}");
        }

        if (FirstEpisode < 0)
        {
            problems.Add($"first calibration episode must be non-negative, got {FirstEpisode}");
        }

        if (ReservoirCapacity < 1)
        {
            problems.Add($"reservoir capacity must be at least 1, got {ReservoirCapacity}");
        }

        if (BlockInputSamples is < 0 or > MaxBlockInputSamples)
        {
            problems.Add($"block input samples must lie in 0..{MaxBlockInputSamples}, got {BlockInputSamples}");
        }

        if (Layers is { Count: 0 })
        {
            problems.Add("the layer list is empty (null records every layer)");
        }

        return problems;
    }

    /// <summary>
    /// The settings as compact JSON with a fixed key order and round-trip number formatting: what the cache key
    /// hashes and what calibration.json records.
    /// </summary>
    public string ToCanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("format_version", FormatVersion);
            json.WriteString("environment", Environment);
            json.WriteNumber("episodes", Episodes);
            json.WriteNumber("first_episode", FirstEpisode);
            json.WriteNumber("mpc_iterations", MpcIterations);
            json.WriteNumber("seed_offset", SeedOffset);
            json.WriteNumber("planning_seed", PlanningSeed);
            json.WriteString("planner", Planner.ToString());
            json.WriteStartObject("cem");
            json.WriteNumber("horizon", Cem.Horizon);
            json.WriteNumber("samples", Cem.Samples);
            json.WriteNumber("top_k", Cem.TopK);
            json.WriteNumber("opt_steps", Cem.OptSteps);
            json.WriteNumber("initial_sigma", Cem.InitialSigma);
            if (Cem.MaxModelBatch > 0)
            {
                // Only when set: keys of settings that leave it automatic stay what they were before it existed.
                json.WriteNumber("max_batch", Cem.MaxModelBatch);
            }

            json.WriteEndObject();
            if (Gradient is { } g)
            {
                json.WriteStartObject("gradient");
                json.WriteNumber("horizon", g.Horizon);
                json.WriteNumber("opt_steps", g.OptSteps);
                json.WriteNumber("learning_rate", g.LearningRate);
                json.WriteNumber("action_noise", g.ActionNoise);
                json.WriteNumber("initial_sigma", g.InitialSigma);
                json.WriteEndObject();
            }

            json.WriteNumber("objective_alpha", (Objective ?? new ObjectiveSettings()).Alpha);
            WriteFloats(json, "action_mean", Normalization.ActionMean);
            WriteFloats(json, "action_std", Normalization.ActionStd);
            WriteFloats(json, "proprio_mean", Normalization.ProprioMean);
            WriteFloats(json, "proprio_std", Normalization.ProprioStd);
            json.WriteNumber("reservoir_capacity", ReservoirCapacity);
            json.WriteNumber("reservoir_seed", ReservoirSeed);
            if (Layers is null)
            {
                json.WriteString("layers", "all");
            }
            else
            {
                json.WriteStartArray("layers");
                foreach (string layer in Layers.Order(StringComparer.Ordinal))
                {
                    json.WriteStringValue(layer);
                }

                json.WriteEndArray();
            }

            if (BlockInputSamples > 0)
            {
                // Written only when set, so every key made before block inputs existed stays valid.
                json.WriteNumber("block_input_samples", BlockInputSamples);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteFloats(Utf8JsonWriter json, string name, float[] values)
    {
        json.WriteStartArray(name);
        foreach (float value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
