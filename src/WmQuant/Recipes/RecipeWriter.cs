using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using WmQuant.Gates;
using WmQuant.Naming;
using WmQuant.Planning;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using S = WmQuant.Recipes.Schema.RecipeSchema;

namespace WmQuant.Recipes;

/// <summary>
/// Writes a resolved <see cref="Recipe"/> back in recipe form: the same keys and spellings a person writes, every
/// default filled in, no matrix and no <c>extends</c>. What it writes loads back through <see cref="RecipeLoader"/>
/// to the same recipe (placed beside the original, since paths stay relative to the recipe's folder), so
/// <c>recipe.resolved.json</c> reruns an artifact exactly and <c>wmq validate --json</c> shows what will run.
/// </summary>
public static class RecipeWriter
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The recipe as a JSON object with recipe keys; paths relative to <paramref name="baseDirectory"/> (default: the recipe's folder).</summary>
    public static JsonObject ToJson(Recipe recipe, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        string folder = baseDirectory ?? Path.GetDirectoryName(recipe.SourceFile) ?? ".";
        string Rel(string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');

        var root = new JsonObject { [S.Version.Name] = 1, [S.Name.Name] = recipe.Name };
        if (recipe.Description is { } description)
        {
            root[S.Description.Name] = description;
        }

        var model = new JsonObject();
        if (recipe.Model.Checkpoint is { } checkpoint)
        {
            model[S.Checkpoint.Name] = Rel(checkpoint);
        }

        if (recipe.Model.Config is { } config)
        {
            model[S.ModelConfig.Name] = Rel(config);
        }

        if (recipe.Model.Artifact is { } artifact)
        {
            model[S.ModelArtifact.Name] = Rel(artifact);
        }

        root[S.Model.Name] = model;
        root[S.Environment.Name] = recipe.Environment;
        root[S.Device.Name] = recipe.Device.ToString();
        root[S.Seed.Name] = recipe.Seed;
        root[S.Calibration.Name] = new JsonObject
        {
            [S.CalibrationEpisodes.Name] = recipe.Calibration.Episodes,
            [S.CalibrationSeedOffset.Name] = recipe.Calibration.SeedOffset,
            [S.CalibrationMpcIterations.Name] = recipe.Calibration.MpcIterations,
        };
        root["quantization"] = Quantization(recipe.Quantization);
        foreach (var method in recipe.Search?.Methods.Where(m => m.Definition != recipe.Quantization.Method) ?? [])
        {
            // The options of every searched method live in quantization.method_options, as the recipe writes them.
            ((JsonObject)root["quantization"]!["method_options"]!)[method.Name] = Options(method.Definition, method.Options);
        }
        root[S.Evaluation.Name] = new JsonObject
        {
            [S.EvaluationEpisodes.Name] = recipe.Evaluation.Episodes,
            [S.EvaluationSeedOffset.Name] = recipe.Evaluation.SeedOffset,
            [S.EvaluationPrecision.Name] = Names.Of(recipe.Evaluation.Precision),
            [S.Planner.Name] = Planner(recipe.Evaluation.Planner),
        };
        root[S.Gates.Name] = new JsonArray([.. recipe.Gates.Select(g => (JsonNode)Gate(g, Rel))]);
        root[S.Artifact.Name] = new JsonObject
        {
            [S.ArtifactName.Name] = recipe.Artifact.Name,
            [S.ArtifactVersion.Name] = recipe.Artifact.Version,
            [S.ArtifactFormats.Name] = new JsonArray([.. recipe.Artifact.Formats.Select(f => (JsonNode)Names.Of(f))]),
        };
        if (recipe.Search is { } search)
        {
            root["search"] = Search(search);
        }

        return root;
    }

    /// <summary>The recipe as indented JSON text ending in a newline (byte-stable for the same recipe).</summary>
    public static string ToText(Recipe recipe, string? baseDirectory = null) =>
        ToJson(recipe, baseDirectory).ToJsonString(Indented).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    /// <summary>The <c>quantization:</c> section alone, compact (cache keys and manifests).</summary>
    public static JsonObject Quantization(QuantizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var section = new JsonObject { ["method"] = request.Method.Name };
        if (request.Scheme is { } scheme)
        {
            section[S.Scheme.Name] = scheme;
        }

        section[S.Weights.Name] = Weights(request.Weights);
        section[S.Activations.Name] = Activations(request.Activations);
        if (request.Overrides.Count > 0)
        {
            var modules = new JsonObject();
            foreach (var rule in request.Overrides)
            {
                modules[rule.Selector.ToString()] = new JsonObject
                {
                    [S.OverrideWeights.Name] = Weights(rule.Weights),
                    [S.OverrideActivations.Name] = Activations(rule.Activations),
                };
            }

            section[S.Modules.Name] = modules;
        }

        section["method_options"] = new JsonObject { [request.Method.Name] = Options(request.Method, request.Options) };
        return section;
    }

    private static JsonObject Options(Quantization.Methods.Registry.IQuantizationMethodDefinition method, object values)
    {
        var options = new JsonObject();
        foreach (var (key, value) in method.Describe(values))
        {
            options[key] = value switch
            {
                int whole => JsonValue.Create(whole),
                double real => JsonValue.Create(real),
                bool flag => JsonValue.Create(flag),
                _ => throw new InvalidOperationException($"option {key} has a value of type {value.GetType().Name}; options are int, double or bool"),
            };
        }

        return options;
    }

    private static JsonObject Weights(WeightQuantConfig? weights)
    {
        weights ??= new WeightQuantConfig(WeightQuantConfig.BypassBits, WeightGranularity.PerChannel);
        var map = new JsonObject
        {
            [S.WeightBits.Name] = weights.Bits,
            [S.WeightGranularity.Name] = Names.Of(weights.Granularity),
        };
        if (weights.Granularity == WeightGranularity.PerGroup)
        {
            map[S.WeightGroupSize.Name] = weights.GroupSize;
        }

        map[S.WeightSymmetric.Name] = weights.Symmetric;
        return map;
    }

    private static JsonNode Activations(ActivationQuantConfig? activations) => activations is null
        ? "none"
        : new JsonObject
        {
            [S.ActivationBits.Name] = activations.Bits,
            [S.ActivationGranularity.Name] = Names.Of(activations.Granularity),
        };

    private static JsonObject Search(Tuning.SearchSpec search)
    {
        var section = new JsonObject
        {
            [S.SearchObjective.Name] = Names.Of(search.Objective),
            [S.SearchStrategy.Name] = Names.Of(search.Strategy),
            [S.SearchUnit.Name] = Names.Of(search.Unit),
            [S.SearchBits.Name] = new JsonArray([.. search.Bits.Select(b => (JsonNode)b)]),
            [S.SearchGranularity.Name] = new JsonArray([.. search.Granularities.Select(g => (JsonNode)Names.Of(g))]),
            [S.SearchGroupSizes.Name] = new JsonArray([.. search.GroupSizes.Select(g => (JsonNode)g)]),
            ["methods"] = new JsonArray([.. search.Methods.Select(m => (JsonNode)m.Name)]),
        };
        var budget = new JsonObject { [S.SearchEvaluations.Name] = search.Budget.Evaluations };
        if (search.Budget.Minutes is { } minutes)
        {
            budget[S.SearchMinutes.Name] = minutes;
        }

        section[S.SearchBudget.Name] = budget;
        section[S.SearchSensitivity.Name] = new JsonObject { [S.SearchSensitivityEpisodes.Name] = search.SensitivityEpisodes };
        section[S.SearchConfirmation.Name] = new JsonObject
        {
            [S.SearchConfirmEpisodes.Name] = search.Confirmation.Episodes,
            [S.SearchConfirmSeedOffset.Name] = search.Confirmation.SeedOffset,
            [S.SearchConfirmAttempts.Name] = search.Confirmation.Attempts,
        };
        return section;
    }

    private static JsonObject Planner(PlannerSpec planner) => new()
    {
        [S.PlannerProfile.Name] = planner.Profile,
        [S.PlannerKind.Name] = Names.Of(planner.Kind),
        [S.PlannerHorizon.Name] = planner.Horizon,
        [S.PlannerSamples.Name] = planner.Samples,
        [S.PlannerTopK.Name] = planner.TopK,
        [S.PlannerOptSteps.Name] = planner.OptSteps,
        [S.PlannerMaxIterations.Name] = planner.MaxIterations,
        [S.PlannerAlpha.Name] = planner.Alpha,
        [S.PlannerSigma.Name] = planner.Sigma,
        [S.PlannerMaxBatch.Name] = planner.MaxBatch,
    };

    private static JsonObject Gate(GateSpec gate, Func<string, string> relative) => new()
    {
        [S.GateMetric.Name] = Names.Of(gate.Metric),
        [Names.Of(gate.Kind)] = gate.Threshold,
        [S.GateConfidence.Name] = gate.Confidence,
        [S.GateBaseline.Name] = gate.BaselineManifest is { } manifest ? relative(manifest) : "fp",
    };
}
