using System.Globalization;
using WmQuant.Gates;
using WmQuant.Naming;
using WmQuant.Planning;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes.Composition;
using WmQuant.Recipes.Schema;
using WmQuant.Recipes.Yaml;
using WmQuant.Runtime;
using WmQuant.Tuning;
using S = WmQuant.Recipes.Schema.RecipeSchema;

namespace WmQuant.Recipes.Binding;

/// <summary>
/// Turns a schema-valid recipe tree into a typed <see cref="Recipe"/> whose parts are the domains' own types
/// (<see cref="QuantizationRequest"/>, <see cref="PlannerKind"/>, <see cref="GateSpec"/>), filling defaults from the
/// schema descriptors and resolving paths (which may still fail: missing files, paths leaving the repository).
/// </summary>
internal sealed class RecipeBinder(S schema, RecipePathResolver paths, RecipeLoadOptions options, string sourceFile)
{
    public Recipe Bind(MatrixCombination combination)
    {
        var root = combination.Tree;
        string name = Text(root, S.Name)! + combination.NameSuffix;
        string environment = Text(root, S.Environment)!;
        var model = Map(root, S.Model);
        var modelSpec = new ModelSpec(
            PathOf(model, S.Checkpoint, "checkpoint", options.CheckFiles),
            PathOf(model, S.ModelConfig, "model config", options.CheckFiles),
            model?.Get(S.ModelArtifact.Name) is YamlTreeScalar artifactFolder ? paths.ResolveFolder(artifactFolder, "quantized artifact", options.CheckFiles) : null);
        var calibration = Map(root, S.Calibration);
        var evaluation = Map(root, S.Evaluation);
        var artifact = Map(root, S.Artifact);
        string artifactName = Text(artifact, S.ArtifactName) is { } explicitName ? explicitName + combination.NameSuffix : name;

        var quantization = Quantization(Map(root, schema.Quantization));
        var evaluationSpec = new EvaluationSpec(
            (int)Integer(evaluation, S.EvaluationEpisodes),
            (int)Integer(evaluation, S.EvaluationSeedOffset),
            Planner(Map(evaluation, S.Planner), environment),
            Names.Parse<PlanningPrecision>(Text(evaluation, S.EvaluationPrecision)) ?? throw Unbound("precision", Text(evaluation, S.EvaluationPrecision)));
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
            quantization,
            evaluationSpec,
            Gates(root),
            new ArtifactSpec(
                artifactName,
                Text(artifact, S.ArtifactVersion)!,
                [.. Words(artifact, S.ArtifactFormats).Select(f => Names.Parse<ArtifactFormat>(f) ?? throw Unbound("artifact format", f))]),
            combination.Assignments)
        {
            Search = root.Get(schema.Search.Name) is YamlTreeMapping search
                ? Search(search, Map(root, schema.Quantization), quantization, evaluationSpec)
                : null,
        };
    }

    /// <summary>The search section with its defaults taken from the quantization and evaluation sections.</summary>
    private SearchSpec Search(YamlTreeMapping search, YamlTreeMapping? quantizationNode, QuantizationRequest quantization, EvaluationSpec evaluation)
    {
        var budget = Map(search, S.SearchBudget);
        var confirmation = Map(search, S.SearchConfirmation);
        var methods = (Items(search, schema.SearchMethods) ?? [])
            .Select(m => schema.Methods.Find(m.Value) ?? throw Unbound("method", m.Value))
            .Select(m => new SearchMethod(m, m == quantization.Method ? quantization.Options : MethodOptions(quantizationNode, m)))
            .ToList();
        return new SearchSpec(
            Names.Parse<SearchObjective>(Text(search, S.SearchObjective)) ?? throw Unbound("objective", Text(search, S.SearchObjective)),
            Names.Parse<SearchStrategy>(Text(search, S.SearchStrategy)) ?? throw Unbound("strategy", Text(search, S.SearchStrategy)),
            Names.Parse<AllocationUnit>(Text(search, S.SearchUnit)) ?? throw Unbound("unit", Text(search, S.SearchUnit)),
            Integers(search, S.SearchBits) ?? throw Unbound("bits", null),
            Items(search, S.SearchGranularity) is { } granularities
                ? [.. granularities.Select(g => Names.Parse<WeightGranularity>(g.Value) ?? throw Unbound("granularity", g.Value))]
                : [quantization.Weights.Granularity],
            Integers(search, S.SearchGroupSizes) ?? [quantization.Weights.GroupSize],
            methods.Count > 0 ? methods : [new SearchMethod(quantization.Method, quantization.Options)],
            new SearchBudget((int)Integer(budget, S.SearchEvaluations), NumberOrNull(budget, S.SearchMinutes)),
            (int)Integer(Map(search, S.SearchSensitivity), S.SearchSensitivityEpisodes),
            new ConfirmationSpec(
                (int)(IntegerOrNull(confirmation, S.SearchConfirmEpisodes) ?? evaluation.Episodes),
                (int)Integer(confirmation, S.SearchConfirmSeedOffset),
                (int)Integer(confirmation, S.SearchConfirmAttempts)),
            search.Position);
    }

    private static List<YamlTreeScalar>? Items(YamlTreeMapping map, FieldDescriptor field) =>
        map.Get(field.Name) is YamlTreeSequence sequence ? [.. sequence.Items.OfType<YamlTreeScalar>()] : null;

    private static List<int>? Integers(YamlTreeMapping map, FieldDescriptor field) => Items(map, field)?
        .Select(s => ScalarParsing.TryInteger(s, out long v) ? (int)v : throw Unbound(field.Name, s.Value)).ToList();

    private QuantizationRequest Quantization(YamlTreeMapping? quantization)
    {
        var method = schema.Methods.Find(Text(quantization, schema.Method)) ?? throw Unbound("method", Text(quantization, schema.Method));
        var preset = Text(quantization, S.Scheme) is { } scheme ? QuantizationPresets.Find(scheme) ?? throw Unbound("scheme", scheme) : null;
        var weights = Weights(Map(quantization, S.Weights), preset?.Weights ?? DefaultWeights);
        var activations = quantization?.Get(S.Activations.Name) is { } node ? Activations(node) : preset?.Activations;
        var rules = new List<QuantScopeRule>();
        if (quantization?.Get(S.Modules.Name) is YamlTreeMapping moduleMap)
        {
            foreach (var entry in moduleMap.Entries)
            {
                var settings = entry.Value as YamlTreeMapping;
                var moduleActivations = settings?.Get(S.OverrideActivations.Name) is { } given ? Activations(given) : activations;
                rules.Add(new QuantScopeRule(
                    LayerSelector.Parse(entry.Key),
                    Weights(Map(settings, S.OverrideWeights), weights),
                    moduleActivations,
                    entry.KeyPosition));
            }
        }

        return new QuantizationRequest(method, MethodOptions(quantization, method), weights, activations, rules, preset?.Name);
    }

    /// <summary>A method's options record from its block of <c>quantization.method_options</c> (defaults where unset).</summary>
    private object MethodOptions(YamlTreeMapping? quantization, IQuantizationMethodDefinition method)
    {
        var block = Map(Map(quantization, schema.MethodOptions), method.Name);
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var option in method.Options)
        {
            if (Scalar(block, option.Name) is { } scalar && OptionValue(scalar, option) is { } value)
            {
                values[option.Name] = value;
            }
        }

        return method.BindOptions(values);
    }

    /// <summary>The recipe's defaults when no scheme is named: symmetric 4-bit weights in groups of 128.</summary>
    private static readonly WeightQuantConfig DefaultWeights = new(4, WeightGranularity.PerGroup, 128, symmetric: true);

    private static WeightQuantConfig Weights(YamlTreeMapping? map, WeightQuantConfig fallback) => new(
        (int)(IntegerOrNull(map, S.WeightBits) ?? fallback.Bits),
        Text(map, S.WeightGranularity) is { } g ? Names.Parse<WeightGranularity>(g) ?? throw Unbound("granularity", g) : fallback.Granularity,
        (int)(IntegerOrNull(map, S.WeightGroupSize) ?? fallback.GroupSize),
        BooleanOrNull(map, S.WeightSymmetric) ?? fallback.Symmetric);

    private static ActivationQuantConfig? Activations(YamlTreeNode node)
    {
        if (node is not YamlTreeMapping map)
        {
            return null; // "none"
        }

        string granularity = Text(map, S.ActivationGranularity)!;
        return new ActivationQuantConfig(
            (int)Integer(map, S.ActivationBits),
            Names.Parse<ActivationGranularity>(granularity) ?? throw Unbound("activation granularity", granularity));
    }

    private static object? OptionValue(YamlTreeScalar scalar, MethodOptionDescriptor option) => option.Kind switch
    {
        MethodOptionKind.Integer => ScalarParsing.TryInteger(scalar, out long whole) ? whole : null,
        MethodOptionKind.Number => ScalarParsing.TryNumber(scalar, out double real) ? real : null,
        _ => ScalarParsing.TryBoolean(scalar, out bool flag) ? flag : null,
    };

    private PlannerSpec Planner(YamlTreeMapping? planner, string environment)
    {
        var defaults = options.PlannerDefaults.For(environment, Text(planner, S.PlannerProfile)!);
        return defaults with
        {
            Kind = Text(planner, S.PlannerKind) is { } kind ? Names.Parse<PlannerKind>(kind) ?? throw Unbound("planner", kind) : defaults.Kind,
            Horizon = (int)(IntegerOrNull(planner, S.PlannerHorizon) ?? defaults.Horizon),
            Samples = (int)(IntegerOrNull(planner, S.PlannerSamples) ?? defaults.Samples),
            TopK = (int)(IntegerOrNull(planner, S.PlannerTopK) ?? defaults.TopK),
            OptSteps = (int)(IntegerOrNull(planner, S.PlannerOptSteps) ?? defaults.OptSteps),
            MaxIterations = (int)(IntegerOrNull(planner, S.PlannerMaxIterations) ?? defaults.MaxIterations),
            Alpha = NumberOrNull(planner, S.PlannerAlpha) ?? defaults.Alpha,
            Sigma = NumberOrNull(planner, S.PlannerSigma) ?? defaults.Sigma,
            MaxBatch = (int)(IntegerOrNull(planner, S.PlannerMaxBatch) ?? defaults.MaxBatch),
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

            string metric = Text(item, S.GateMetric)!;
            gates.Add(new GateSpec(
                Names.Parse<GateMetric>(metric) ?? throw Unbound("metric", metric),
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

    private static YamlTreeMapping? Map(YamlTreeMapping? parent, FieldDescriptor field) => Map(parent, field.Name);

    private static YamlTreeMapping? Map(YamlTreeMapping? parent, string key) => parent?.Get(key) as YamlTreeMapping;

    private static YamlTreeScalar? Scalar(YamlTreeMapping? map, string key) =>
        map?.Get(key) is YamlTreeScalar { IsNull: false } scalar ? scalar : null;

    private static string? Text(YamlTreeMapping? map, FieldDescriptor field) => Scalar(map, field.Name)?.Value ?? field.Default as string;

    private static long? IntegerOrNull(YamlTreeMapping? map, FieldDescriptor field) =>
        Scalar(map, field.Name) is { } s && ScalarParsing.TryInteger(s, out long v) ? v : null;

    private static long Integer(YamlTreeMapping? map, FieldDescriptor field) => IntegerOrNull(map, field) ?? (long)field.Default!;

    private static double? NumberOrNull(YamlTreeMapping? map, FieldDescriptor field) =>
        Scalar(map, field.Name) is { } s && ScalarParsing.TryNumber(s, out double v) ? v : null;

    private static double Number(YamlTreeMapping? map, FieldDescriptor field) =>
        NumberOrNull(map, field) ?? Convert.ToDouble(field.Default!, CultureInfo.InvariantCulture);

    private static bool? BooleanOrNull(YamlTreeMapping? map, FieldDescriptor field) =>
        Scalar(map, field.Name) is { } s && ScalarParsing.TryBoolean(s, out bool v) ? v : null;

    private static IEnumerable<string> Words(YamlTreeMapping? map, FieldDescriptor field) =>
        map?.Get(field.Name) is YamlTreeSequence sequence
            ? sequence.Items.OfType<YamlTreeScalar>().Select(s => s.Value)
            : (string[])field.Default!;

    /// <summary>A name the schema accepted but no domain knows: the schema and the registries disagree (a bug).</summary>
    private static InvalidOperationException Unbound(string what, string? word) => new($"{what} '{word}' passed validation but has no binding");
}
