using System.Globalization;
using WmQuant.Recipes.Composition;
using WmQuant.Recipes.Schema;
using WmQuant.Recipes.Yaml;
using WmQuant.Runtime;
using S = WmQuant.Recipes.Schema.RecipeSchema;

namespace WmQuant.Recipes.Binding;

/// <summary>
/// Turns a schema-valid recipe tree into typed <see cref="Recipe"/> records, filling defaults from the schema
/// descriptors and resolving paths (which may still fail: missing files, paths leaving the repository).
/// </summary>
internal sealed class RecipeBinder(RecipePathResolver paths, RecipeLoadOptions options, string sourceFile)
{
    public Recipe Bind(MatrixCombination combination)
    {
        var root = combination.Tree;
        string name = Text(root, S.Name)! + combination.NameSuffix;
        var environment = Environment(Text(root, S.Environment)!);
        var model = Map(root, S.Model);
        var modelSpec = new ModelSpec(
            PathOf(model, S.Checkpoint, "checkpoint", options.CheckFiles) ?? string.Empty,
            PathOf(model, S.ModelConfig, "model config", options.CheckFiles));
        var calibration = Map(root, S.Calibration);
        var evaluation = Map(root, S.Evaluation);
        var artifact = Map(root, S.Artifact);
        string artifactName = Text(artifact, S.ArtifactName) is { } explicitName ? explicitName + combination.NameSuffix : name;

        return new Recipe(
            name,
            Text(root, S.Description),
            sourceFile,
            modelSpec,
            environment,
            DeviceRequest.TryParse(Text(root, S.Device), out _) ?? new DeviceRequest(DeviceKind.Auto),
            Integer(root, S.Seed),
            new CalibrationSpec(
                (int)Integer(calibration, S.CalibrationEpisodes),
                (int)Integer(calibration, S.CalibrationSeedOffset),
                (int)Integer(calibration, S.CalibrationMpcIterations)),
            Quantization(Map(root, S.Quantization)),
            new EvaluationSpec(
                (int)Integer(evaluation, S.EvaluationEpisodes),
                (int)Integer(evaluation, S.EvaluationSeedOffset),
                Planner(Map(evaluation, S.Planner), environment)),
            Gates(root),
            new ArtifactSpec(
                artifactName,
                Text(artifact, S.ArtifactVersion)!,
                Words(artifact, S.ArtifactFormats).Select(f => Enum.Parse<ArtifactFormat>(f, ignoreCase: true)).ToList()),
            combination.Assignments);
    }

    private static QuantizationSpec Quantization(YamlTreeMapping? quantization)
    {
        var weights = Weights(Map(quantization, S.Weights), fallback: null);
        var activations = Activations(quantization?.Get(S.Activations.Name), fallback: null);
        var modules = new List<ModuleOverride>();
        if (quantization?.Get(S.Modules.Name) is YamlTreeMapping moduleMap)
        {
            foreach (var entry in moduleMap.Entries)
            {
                var settings = entry.Value as YamlTreeMapping;
                var moduleActivations = settings?.Get(S.OverrideActivations.Name) is { } node ? Activations(node, fallback: null) : activations;
                modules.Add(new ModuleOverride(
                    entry.Key,
                    !S.ModuleGroups.Contains(entry.Key),
                    Weights(Map(settings, S.OverrideWeights), weights),
                    moduleActivations,
                    entry.KeyPosition));
            }
        }

        var methodOptions = Map(quantization, S.MethodOptions);
        var awq = Map(methodOptions, S.AwqOptions);
        var omse = Map(methodOptions, S.OmseOptions);
        var smooth = Map(methodOptions, S.SmoothQuantOptions);
        var omni = Map(methodOptions, S.OmniQuantOptions);
        var gptq = Map(methodOptions, S.GptqOptions);
        return new QuantizationSpec(
            Method(Text(quantization, S.Method)!),
            weights,
            activations,
            modules,
            new MethodOptions(
                new AwqOptions((int)Integer(awq, S.AwqGrid), Boolean(awq, S.AwqClipSearch)),
                new OmseOptions((int)Integer(omse, S.OmseCandidates)),
                new SmoothQuantOptions(Number(smooth, S.SmoothAlpha), Boolean(smooth, S.SmoothSearchAlpha)),
                new OmniQuantOptions((int)Integer(omni, S.OmniEpochs), Number(omni, S.OmniLwcLr), Number(omni, S.OmniLetLr), Boolean(omni, S.OmniLwc), Boolean(omni, S.OmniLet)),
                new GptqOptions(Number(gptq, S.GptqDamp), (int)Integer(gptq, S.GptqBlockSize), Boolean(gptq, S.GptqActOrder))));
    }

    private static WeightSpec Weights(YamlTreeMapping? map, WeightSpec? fallback) => new(
        (int)(IntegerOrNull(map, S.WeightBits) ?? fallback?.Bits ?? (long)S.WeightBits.Default!),
        Text(map, S.WeightGranularity) is { } g ? Enum.Parse<WeightGranularity>(g, ignoreCase: true) : fallback?.Granularity ?? Enum.Parse<WeightGranularity>((string)S.WeightGranularity.Default!, ignoreCase: true),
        (int)(IntegerOrNull(map, S.WeightGroupSize) ?? fallback?.GroupSize ?? (long)S.WeightGroupSize.Default!),
        BooleanOrNull(map, S.WeightSymmetric) ?? fallback?.Symmetric ?? (bool)S.WeightSymmetric.Default!);

    private static ActivationSpec? Activations(YamlTreeNode? node, ActivationSpec? fallback)
    {
        if (node is null)
        {
            return fallback;
        }

        if (node is not YamlTreeMapping map)
        {
            return null; // "none"
        }

        string granularity = Text(map, S.ActivationGranularity)!;
        return new ActivationSpec(
            (int)Integer(map, S.ActivationBits),
            granularity == "per-tensor" ? ActivationGranularity.PerTensor : ActivationGranularity.PerToken);
    }

    private PlannerSpec Planner(YamlTreeMapping? planner, EnvironmentKind environment)
    {
        var defaults = options.PlannerDefaults.For(environment, Text(planner, S.PlannerProfile)!);
        return defaults with
        {
            Kind = Text(planner, S.PlannerKind) is { } kind ? PlannerKindOf(kind) : defaults.Kind,
            Horizon = (int)(IntegerOrNull(planner, S.PlannerHorizon) ?? defaults.Horizon),
            Samples = (int)(IntegerOrNull(planner, S.PlannerSamples) ?? defaults.Samples),
            TopK = (int)(IntegerOrNull(planner, S.PlannerTopK) ?? defaults.TopK),
            OptSteps = (int)(IntegerOrNull(planner, S.PlannerOptSteps) ?? defaults.OptSteps),
            MaxIterations = (int)(IntegerOrNull(planner, S.PlannerMaxIterations) ?? defaults.MaxIterations),
            Alpha = NumberOrNull(planner, S.PlannerAlpha) ?? defaults.Alpha,
            Sigma = NumberOrNull(planner, S.PlannerSigma) ?? defaults.Sigma,
        };
    }

    private List<GateSpec> Gates(YamlTreeMapping root)
    {
        var gates = new List<GateSpec>();
        if (root.Get(S.Gates.Name) is not YamlTreeSequence sequence)
        {
            return gates;
        }

        foreach (var item in sequence.Items.OfType<YamlTreeMapping>())
        {
            string? manifest = null;
            if (item.Get(S.GateBaseline.Name) is YamlTreeScalar { Value: not "fp" } baseline)
            {
                manifest = paths.Resolve(baseline, "baseline manifest", options.CheckFiles);
            }

            gates.Add(new GateSpec(
                MetricOf(Text(item, S.GateMetric)!),
                NumberOrNull(item, S.GateMin),
                NumberOrNull(item, S.GateMax),
                NumberOrNull(item, S.GateMaxDrop),
                Number(item, S.GateConfidence),
                manifest,
                item.Position));
        }

        return gates;
    }

    private string? PathOf(YamlTreeMapping? map, FieldDescriptor field, string what, bool mustExist) =>
        map?.Get(field.Name) is YamlTreeScalar scalar ? paths.Resolve(scalar, what, mustExist) : null;

    private static YamlTreeMapping? Map(YamlTreeMapping? parent, FieldDescriptor field) => parent?.Get(field.Name) as YamlTreeMapping;

    private static YamlTreeScalar? Scalar(YamlTreeMapping? map, FieldDescriptor field) =>
        map?.Get(field.Name) is YamlTreeScalar { IsNull: false } scalar ? scalar : null;

    private static string? Text(YamlTreeMapping? map, FieldDescriptor field) => Scalar(map, field)?.Value ?? field.Default as string;

    private static long? IntegerOrNull(YamlTreeMapping? map, FieldDescriptor field) =>
        Scalar(map, field) is { } s && ScalarParsing.TryInteger(s, out long v) ? v : null;

    private static long Integer(YamlTreeMapping? map, FieldDescriptor field) => IntegerOrNull(map, field) ?? (long)field.Default!;

    private static double? NumberOrNull(YamlTreeMapping? map, FieldDescriptor field) =>
        Scalar(map, field) is { } s && ScalarParsing.TryNumber(s, out double v) ? v : null;

    private static double Number(YamlTreeMapping? map, FieldDescriptor field) =>
        NumberOrNull(map, field) ?? Convert.ToDouble(field.Default!, CultureInfo.InvariantCulture);

    private static bool? BooleanOrNull(YamlTreeMapping? map, FieldDescriptor field) =>
        Scalar(map, field) is { } s && ScalarParsing.TryBoolean(s, out bool v) ? v : null;

    private static bool Boolean(YamlTreeMapping? map, FieldDescriptor field) => BooleanOrNull(map, field) ?? (bool)field.Default!;

    private static IEnumerable<string> Words(YamlTreeMapping? map, FieldDescriptor field) =>
        map?.Get(field.Name) is YamlTreeSequence sequence
            ? sequence.Items.OfType<YamlTreeScalar>().Select(s => s.Value)
            : (string[])field.Default!;

    private static EnvironmentKind Environment(string word) => word switch
    {
        "wall" => EnvironmentKind.Wall,
        "pusht" => EnvironmentKind.PushT,
        "pointmaze" => EnvironmentKind.PointMaze,
        _ => throw new InvalidOperationException($"environment '{word}' passed validation but has no binding"),
    };

    private static QuantizationMethod Method(string word) => word switch
    {
        "rtn" => QuantizationMethod.Rtn,
        "omse" => QuantizationMethod.Omse,
        "awq" => QuantizationMethod.Awq,
        "smoothquant" => QuantizationMethod.SmoothQuant,
        "omniquant" => QuantizationMethod.OmniQuant,
        "gptq" => QuantizationMethod.Gptq,
        _ => throw new InvalidOperationException($"method '{word}' passed validation but has no binding"),
    };

    private static PlannerKind PlannerKindOf(string word) =>
        PlannerKindNames.Parse(word) ?? throw new InvalidOperationException($"planner '{word}' passed validation but has no binding");

    private static GateMetric MetricOf(string word) => word switch
    {
        "success_rate" => GateMetric.SuccessRate,
        "state_distance" => GateMetric.StateDistance,
        "planning_loss" => GateMetric.PlanningLoss,
        "latent_gap" => GateMetric.LatentGap,
        "latent_drift" => GateMetric.LatentDrift,
        _ => throw new InvalidOperationException($"metric '{word}' passed validation but has no binding"),
    };
}
