using System.Runtime.CompilerServices;
using WmQuant.Environments;
using WmQuant.Gates;
using WmQuant.Models;
using WmQuant.Naming;
using WmQuant.Planning;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Recipes.Schema;

/// <summary>
/// The recipe schema, declared once and built from the domains' registries: the environments of
/// <see cref="EnvironmentCatalog"/>, the planner kinds, the quantization methods of a <see cref="QuantizationMethodRegistry"/>
/// (each contributing its own options block), the presets, granularities and gate metrics. Validation, the typed
/// binding's defaults and the JSON Schema for editors are all derived from these descriptors, so a name that exists
/// nowhere cannot validate.
/// </summary>
public sealed class RecipeSchema
{
    private static readonly ConditionalWeakTable<QuantizationMethodRegistry, RecipeSchema> Built = [];

    /// <summary>The module groups overrides can name; anything else must be a glob on layer names.</summary>
    public static readonly IReadOnlyList<string> ModuleGroups = [.. Enum.GetValues<ModuleGroup>().Select(Models.ModuleGroups.Prefix)];

    internal static readonly IntegerType Bits = new(2, 8, [16]);

    // Every number has a documented range (README: limits on inputs), checked at validate with its position. The bounds
    // admit every legitimate run, the full-size model on a GPU included, and keep every derived quantity (episode seeds
    // 99*n + offset, samples x horizon x episodes per model call) far from overflowing an int.

    /// <summary>Episode seed offsets: 0-98, as wmq eval --seed-offset, so the families 99*n + offset stay disjoint.</summary>
    internal static readonly IntegerType SeedOffsetRange = new(0, 98);

    /// <summary>Episode counts: 1-10,000 (the study uses 50; 10,000 gives a success-rate interval of +-1 point).</summary>
    internal static readonly IntegerType EpisodeRange = new(1, 10_000);

    /// <summary>Most characters in a recipe, artifact or matrix-derived name (file and package names stay under 255 bytes).</summary>
    public const int MaxNameLength = 100;

    internal static readonly FieldDescriptor Version = new("version", new IntegerType(1, 1), "Recipe schema version; 1 is the only version so far.", 1L);
    internal static readonly FieldDescriptor Name = new("name", new TextType(TextFormat.Name),
        "Recipe name: letters, digits, '.', '_', '-', at most 100 characters (matrix values appended included: name-8-group), so artifact folders and packages get valid file names.",
        Required: true);
    internal static readonly FieldDescriptor Description = new("description", new TextType(), "Free text for people reading the recipe.");
    internal static readonly FieldDescriptor Extends = new("extends", new TextType(TextFormat.Path),
        "A base recipe (path relative to this file) whose settings this one starts from: mappings merge (this file wins), lists are replaced. Bases may extend other bases.");

    internal static readonly FieldDescriptor Checkpoint = new("checkpoint", new TextType(TextFormat.Path, "checkpoint"),
        "safetensors state dict of the DINO-WM model, relative to the recipe. Needed unless artifact is given; with artifact it must be the checkpoint the artifact was quantized from (same SHA-256, model config and normalization), and the FP baseline is measured on it.");
    internal static readonly FieldDescriptor ModelConfig = new("config", new TextType(TextFormat.Path, "model config"),
        "Model config YAML (architecture sizes) of the checkpoint, relative to the recipe; default: the model's own config beside the checkpoint.");
    internal static readonly FieldDescriptor ModelArtifact = new("artifact", new TextType(TextFormat.Folder, "quantized artifact"),
        "An existing quantized artifact folder (written by wmq run, with its manifest.json), relative to the recipe: evaluated and gated as it is, without quantizing again. Its own config.json supplies the model config, normalization and quantization; the recipe's quantization and calibration sections are then ignored (a warning says so where they differ from the artifact's). Add checkpoint (the source model) for gates that compare with the FP model.");
    internal static readonly FieldDescriptor Model = new("model", new MapType([Checkpoint, ModelConfig, ModelArtifact]),
        "The model: a full-precision checkpoint to quantize, or an existing quantized artifact to re-evaluate (with its source checkpoint for FP comparisons). At least one of checkpoint and artifact.", Required: true);

    internal static readonly FieldDescriptor Environment = new("environment", new ChoiceType(EnvironmentCatalog.Names),
        "Environment the model was trained on; calibration and evaluation plan in it. Also picks planner defaults.", Required: true);
    internal static readonly FieldDescriptor Device = new("device", new TextType(TextFormat.Device),
        "auto | cpu | cuda | cuda:N. auto uses CUDA when a CUDA libtorch and a GPU are found, else the CPU.", "auto");
    internal static readonly FieldDescriptor Seed = new("seed", new IntegerType(0, int.MaxValue),
        "Seed of every random choice in the run (CEM sampling, bootstrap); same seed, same inputs, same machine: same artifact. 0-2147483647, so it stays exact wherever it is combined or stored as a number.",
        0L);

    internal static readonly FieldDescriptor CalibrationEpisodes = new("episodes", EpisodeRange,
        "Planning episodes whose layer inputs are recorded for calibration: 1-10000 (the study uses 50; recorded inputs are reservoir-sampled, so more episodes cost time, not memory).",
        50L);
    internal static readonly FieldDescriptor CalibrationSeedOffset = new("seed_offset", SeedOffsetRange,
        "Calibration episode n uses seed 99*n + seed_offset: 0-98, as wmq eval --seed-offset, so seed families stay disjoint; keep it different from evaluation's.",
        2L);
    internal static readonly FieldDescriptor CalibrationMpcIterations = new("mpc_iterations", new IntegerType(1, 1_000),
        "MPC iterations run by the full-precision planner per calibration episode: 1-1000 (the same cap as planner.max_iterations).", 2L);
    internal static readonly FieldDescriptor Calibration = new("calibration",
        new MapType([CalibrationEpisodes, CalibrationSeedOffset, CalibrationMpcIterations]),
        "How calibration data is collected: the FP planner runs on calibration episodes and every quantized layer's inputs are recorded.");

    internal static readonly FieldDescriptor Scheme = new("scheme", new ChoiceType(QuantizationPresets.Names),
        $"A preset the weights and activations start from (keys set below win): {string.Join("; ", QuantizationPresets.All.Select(p => $"{p.Name}: {p.Description}"))}. Default: none (W4 g128 symmetric weights, float activations).");
    internal static readonly FieldDescriptor WeightBits = new("bits", Bits, "Weight bit width: 2-8, or 16 to keep the weights in float. Default: the scheme's, else 4.");
    internal static readonly FieldDescriptor WeightGranularity = new("granularity", new ChoiceType(Names.All<WeightGranularity>()),
        "One scale per tensor, per output channel, or per group of group_size inputs of each output channel. Default: the scheme's, else group.");
    internal static readonly FieldDescriptor WeightGroupSize = new("group_size", new IntegerType(1, 65_536),
        "Inputs per group when granularity is group; at most the widest quantized input (checked against the model config when it can be read; 1-65536 in any case: the full-size model's widest input is 2048). A width it does not divide gets a partial last group. Default: the scheme's, else 128.");
    internal static readonly FieldDescriptor WeightSymmetric = new("symmetric", new BooleanType(),
        "Symmetric signed codes (no zero point) or asymmetric codes with a zero point. Default: the scheme's, else true.");
    internal static readonly FieldDescriptor Weights = new("weights",
        new MapType([WeightBits, WeightGranularity, WeightGroupSize, WeightSymmetric]), "How weights are quantized.");

    internal static readonly FieldDescriptor ActivationBits = new("bits", Bits, "Activation bit width: 2-8, or 16 to keep them in float.", 8L);
    internal static readonly FieldDescriptor ActivationGranularity = new("granularity", new ChoiceType(Names.All<ActivationGranularity>()),
        "per-tensor: static ranges calibrated once; per-token: dynamic ranges computed for every token.", "per-token");
    internal static readonly FieldDescriptor Activations = new("activations",
        new NoneOrType(new MapType([ActivationBits, ActivationGranularity])),
        "none (weight-only quantization) or how the inputs of quantized Linears are quantized (asymmetric). Default: the scheme's, else none.");

    internal static readonly FieldDescriptor OverrideWeights = new("weights",
        new MapType(((MapType)Weights.Type).Fields.Select(f => f with { Default = null, Description = f.Description + " In an override: the recipe-wide setting." }).ToList()),
        "Weight settings for these modules; unset keys keep the recipe-wide setting.");
    internal static readonly FieldDescriptor OverrideActivations = Activations with
    {
        Default = null,
        Description = "Activation settings for these modules (none turns them off); default: the recipe-wide setting.",
    };
    internal static readonly FieldDescriptor Modules = new("modules",
        new DictionaryType(new MapType([OverrideWeights, OverrideActivations]), ModuleGroups,
            "a glob on layer names such as 'predictor.transformer.layers.*.0.to_qkv'"),
        "Per-module overrides, keyed by group (encoder, predictor, action_encoder, proprio_encoder, decoder) or by a glob on layer names; a glob beats a group.");

    internal static readonly FieldDescriptor PlannerProfile = new("profile", new ChoiceType(PlannerDefaults.Profiles),
        "Planner defaults: 'default' is the study's settings for the environment (wall: mpc-cem horizon 5, samples 300, top_k 30, opt_steps 10, max_iterations 50; pusht: opt_steps 30, max_iterations 30); 'cpu' uses fewer samples and steps so a CPU finishes in minutes. Keys set here win.", "default");
    internal static readonly FieldDescriptor PlannerKind = new("kind", new ChoiceType(Names.All<PlannerKind>()),
        "Planner: CEM or gradient descent, re-planning after every horizon (mpc) or once (open-loop). Default from the profile.");
    internal static readonly FieldDescriptor PlannerHorizon = new("horizon", new IntegerType(1, 64),
        "Planned model steps (each frameskip environment steps): 1-64 (the study plans 5; 64 model steps are 320 environment steps, longer than any episode). Default from the profile.");
    internal static readonly FieldDescriptor PlannerSamples = new("samples", new IntegerType(1, 100_000),
        "CEM samples per step (GD: parallel candidates): 1-100000 (the study uses 300; CEM needs at least 2). Default from the profile.");
    internal static readonly FieldDescriptor PlannerTopK = new("top_k", new IntegerType(1, 100_000),
        "CEM elites per step: 1-100000 and at most samples (CEM needs at least 2). Default from the profile.");
    internal static readonly FieldDescriptor PlannerOptSteps = new("opt_steps", new IntegerType(1, 10_000),
        "Optimisation steps per plan: 1-10000 (the study uses 10-30 for CEM; gradient planners may take hundreds). Default from the profile.");
    internal static readonly FieldDescriptor PlannerMaxIterations = new("max_iterations", new IntegerType(1, 1_000),
        "Cap on MPC iterations per episode: 1-1000 (the study uses 30-50). Default from the profile.");
    internal static readonly FieldDescriptor PlannerAlpha = new("alpha", new NumberType(0, 1e6),
        "Weight of the proprio term in the planning objective: 0-1000000 (a finite weight). Default from the profile (1 wall/pusht, 0 pointmaze).");
    internal static readonly FieldDescriptor PlannerSigma = new("sigma", new NumberType(0, 100, MinExclusive: true),
        "CEM's initial standard deviation in normalised action units: > 0 and <= 100 (the study uses 1; actions are clipped to a few units). Default from the profile.");
    internal static readonly FieldDescriptor PlannerMaxBatch = new("max_batch", new IntegerType(0, 1_000_000_000),
        "Most rollout rows (episodes x samples) per model call: 0-1000000000. 0 = automatic: all rows at once when the model's memory estimate for them fits in half of what is available (CPU: available memory; GPU: its total), else the fewest equal calls that fit. On a CPU plans do not depend on it; on a GPU they may differ in rounding, so a value set here is part of the evaluation and calibration cache keys.", 0L);
    internal static readonly FieldDescriptor Planner = new("planner",
        new MapType([PlannerProfile, PlannerKind, PlannerHorizon, PlannerSamples, PlannerTopK, PlannerOptSteps, PlannerMaxIterations, PlannerAlpha, PlannerSigma, PlannerMaxBatch]),
        "The planner used for evaluation (and calibration).");
    internal static readonly FieldDescriptor EvaluationEpisodes = new("episodes", EpisodeRange,
        "Evaluation episodes, paired by seed between the FP and quantized models: 1-10000 (the study uses 50; 10000 narrows the success-rate interval to about one point).", 50L);
    internal static readonly FieldDescriptor EvaluationSeedOffset = new("seed_offset", SeedOffsetRange,
        "Evaluation episode n uses seed 99*n + seed_offset: 0-98, as wmq eval --seed-offset, so seed families stay disjoint.", 1L);
    internal static readonly FieldDescriptor EvaluationPrecision = new("precision", new ChoiceType(Names.All<PlanningPrecision>()),
        "Arithmetic of planning (both models alike): fp32 (strict; the only one on a CPU), tf32 (TF32 matmuls on CUDA) or bf16 (the models cast to bfloat16 on CUDA). Recorded with every evaluation; paired gates compare one precision.", "fp32");
    internal static readonly FieldDescriptor Evaluation = new("evaluation", new MapType([EvaluationEpisodes, EvaluationSeedOffset, EvaluationPrecision, Planner]),
        "How the FP and quantized models are evaluated.");

    internal static readonly FieldDescriptor GateMetric = new("metric", new ChoiceType(Names.All<GateMetric>()), "The metric tested.", Required: true);
    internal static readonly FieldDescriptor GateMin = new("min", new NumberType(0, 1e6),
        "Fail when the measured value falls below this (the verdict reports its confidence interval). 0-1000000: every metric is non-negative (success_rate 0-1).");
    internal static readonly FieldDescriptor GateMax = new("max", new NumberType(0, 1e6),
        "Fail when the measured value rises above this (the verdict reports its confidence interval). 0-1000000: every metric is non-negative (success_rate 0-1).");
    internal static readonly FieldDescriptor GateMaxDrop = new("max_drop_vs_baseline", new NumberType(0, 1e6),
        "Fail when the metric drops versus the baseline by more than this (paired by episode seed). 0-1000000 (success_rate 0-1).");
    internal static readonly FieldDescriptor GateConfidence = new("confidence", new NumberType(0, 1, MinExclusive: true, MaxExclusive: true),
        "Confidence of the bound the gate is judged on, so gates do not flake.", 0.95);
    internal static readonly FieldDescriptor GateBaseline = new("baseline", new TextType(TextFormat.Baseline, "baseline manifest"),
        "fp (the full-precision model, evaluated in the same run) or a path to a previous release's manifest.json.", "fp");
    internal static readonly FieldDescriptor Gates = new("gates",
        new ListType(new MapType([GateMetric, GateMin, GateMax, GateMaxDrop, GateConfidence, GateBaseline])),
        "Checks that fail the build; each needs exactly one of min, max, max_drop_vs_baseline.", Array.Empty<string>());

    internal static readonly FieldDescriptor ArtifactName = new("name", new TextType(TextFormat.Name),
        "Artifact (and package) name: letters, digits, '.', '_', '-', at most 100 characters with matrix values appended; default: the recipe name.");
    internal static readonly FieldDescriptor ArtifactVersion = new("version", new TextType(TextFormat.SemVer),
        "SemVer version of the artifact, at most 100 characters (it is part of the package file name).", "0.1.0");
    internal static readonly FieldDescriptor ArtifactFormats = new("formats", new ListType(new ChoiceType(Names.All<ArtifactFormat>()), 1, UniqueItems: true),
        "What to emit: the artifact folder with packed safetensors, and optionally a NuGet package of it.", new[] { "safetensors" });
    internal static readonly FieldDescriptor Artifact = new("artifact", new MapType([ArtifactName, ArtifactVersion, ArtifactFormats]),
        "The versioned output.");

    // wmq tune's search (src/WmQuant/Tuning): the section is ignored by every other command.
    internal static readonly FieldDescriptor SearchObjective = new("objective", new ChoiceType(Names.All<Tuning.SearchObjective>()),
        "What wmq tune minimises among the candidates that pass every gate: bits_per_weight (storage bits of codes with word padding, scales and zero points per weight of the searched layers) or bytes (their storage bytes).",
        "bits_per_weight");
    internal static readonly FieldDescriptor SearchStrategy = new("strategy", new ChoiceType(Names.All<Tuning.SearchStrategy>()),
        "fallback: every unit at the cheapest level, then the most sensitive units raised to the safest level until the gates pass (doubling, then bisection), then raised units lowered where the gates still pass (Intel Neural Compressor's way). knapsack: the allocations of least summed measured sensitivity for each cost, searched from the cheapest for the first that passes.",
        "fallback");
    internal static readonly FieldDescriptor SearchUnit = new("unit", new ChoiceType(Names.All<Tuning.AllocationUnit>()),
        "What one allocation entry covers: a layer, a transformer block (encoder.blocks.i, predictor.transformer.layers.i) or a module group (encoder, predictor).",
        "layer");
    internal static readonly FieldDescriptor SearchBits = new("bits", new ListType(Bits, 1, UniqueItems: true),
        "Weight bit widths a unit may take (2-8, or 16 to keep it in float); the cheapest level is where the search starts. The searched layers are those the quantization section quantizes.",
        Required: true);
    internal static readonly FieldDescriptor SearchGranularity = new("granularity", new ListType(new ChoiceType(Names.All<WeightGranularity>()), 1, UniqueItems: true),
        "Weight granularities a unit may take, combined with every bit width. Default: the quantization section's weights granularity.");
    internal static readonly FieldDescriptor SearchGroupSizes = new("group_sizes", new ListType(new IntegerType(1, 65_536), 1, UniqueItems: true),
        "Group sizes for the group granularity: 1-65536 each. Default: the quantization section's weights group_size.");
    internal static readonly FieldDescriptor SearchEvaluations = new("evaluations", new IntegerType(1, 1_000),
        "Candidate evaluations on the search seeds, cached ones included (a resumed search takes the same path): 1-1000. When they run out the best candidate so far is reported.",
        12L);
    internal static readonly FieldDescriptor SearchMinutes = new("minutes", new NumberType(0, 100_000, MinExclusive: true),
        "Wall-clock minutes this run may spend searching before it starts no new evaluation (cached evaluations cost nothing): > 0 and <= 100000. Default: no limit. The confirmation runs after the search in any case.");
    internal static readonly FieldDescriptor SearchBudget = new("budget", new MapType([SearchEvaluations, SearchMinutes]),
        "How much the search may spend.");
    internal static readonly FieldDescriptor SearchSensitivityEpisodes = new("episodes", new IntegerType(1, 1_000),
        "Calibration episodes (seeds 99*n + calibration.seed_offset) of the sensitivity scan: one CEM plan each per unit and level; 1-1000.", 8L);
    internal static readonly FieldDescriptor SearchSensitivity = new("sensitivity", new MapType([SearchSensitivityEpisodes]),
        "The sensitivity scan that orders units (each unit quantized alone at each level, ranked by the change of the planning objective).");
    internal static readonly FieldDescriptor SearchConfirmEpisodes = new("episodes", EpisodeRange,
        "Episodes of the confirmation run: 1-10000. Default: evaluation.episodes.");
    internal static readonly FieldDescriptor SearchConfirmSeedOffset = new("seed_offset", SeedOffsetRange,
        "Confirmation episode n uses seed 99*n + seed_offset: 0-98, different from evaluation's and calibration's, so the seeds that chose the winner do not judge it.",
        3L);
    internal static readonly FieldDescriptor SearchConfirmAttempts = new("attempts", new IntegerType(1, 10),
        "Confirmations at most: the cheapest passing candidate is confirmed; one that fails is rejected and the search goes on past it to the next. 1-10 (each attempt is one more test on those seeds).", 1L);
    internal static readonly FieldDescriptor SearchConfirmation = new("confirmation", new MapType([SearchConfirmEpisodes, SearchConfirmSeedOffset, SearchConfirmAttempts]),
        "The held-out run that decides: the gates judged again, for the winner against the FP model, on fresh seeds. Many candidates are tested on the search seeds, so one of them passing there is weak evidence; the confirmation is a single test.");

    internal static readonly FieldDescriptor Matrix = new("matrix", new MatrixType(),
        "Sweep: setting paths (quantization.weights.bits) mapped to lists of values; the recipe expands to every combination, named name-value-value. 'exclude' lists combinations to leave out.");

    private RecipeSchema(QuantizationMethodRegistry methods)
    {
        Methods = methods;
        Method = new FieldDescriptor("method", new ChoiceType(methods.Names),
            $"The quantization method: {string.Join("; ", methods.All.Select(m => $"{m.Name}{(m.WeightOnly ? " (weights only)" : "")}: {m.Description}"))}",
            methods.All[0].Name);
        MethodOptions = new FieldDescriptor("method_options",
            new MapType([.. methods.All.Select(OptionsBlock)]),
            "Method-specific options, one block per method so a sweep over methods can set them all; only the chosen method's block is used.");
        Quantization = new FieldDescriptor("quantization",
            new MapType([Method, Scheme, Weights, Activations, Modules, MethodOptions]),
            "What is quantized and how. By default every Linear of the encoder and predictor.");
        SearchMethods = new FieldDescriptor("methods", new ListType(new ChoiceType(methods.Names), 1, UniqueItems: true),
            "Methods searched in turn, each with its own sensitivity scan and its options from quantization.method_options. Default: quantization.method.");
        Search = new FieldDescriptor("search",
            new MapType([SearchObjective, SearchStrategy, SearchUnit, SearchBits, SearchGranularity, SearchGroupSizes, SearchMethods, SearchBudget, SearchSensitivity, SearchConfirmation]),
            "wmq tune: find the cheapest allocation of weight precision per unit that passes every gate, confirm it on fresh seeds and write it as wmq run would. Other commands ignore this section.");
        Root = new MapType(
        [
            Version, Name, Description, Extends, Model, Environment, Device, Seed, Calibration, Quantization, Evaluation, Gates, Artifact, Search, Matrix,
        ]);
    }

    /// <summary>The schema of the built-in methods.</summary>
    public static RecipeSchema Builtin => For(QuantizationMethodRegistry.Builtin);

    /// <summary>The methods the schema accepts.</summary>
    public QuantizationMethodRegistry Methods { get; }

    /// <summary>The whole recipe.</summary>
    public MapType Root { get; }

    internal FieldDescriptor Method { get; }

    internal FieldDescriptor MethodOptions { get; }

    internal FieldDescriptor Quantization { get; }

    internal FieldDescriptor SearchMethods { get; }

    internal FieldDescriptor Search { get; }

    /// <summary>The schema for a registry (built once per registry).</summary>
    public static RecipeSchema For(QuantizationMethodRegistry methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        return Built.GetValue(methods, m => new RecipeSchema(m));
    }

    /// <summary>
    /// Finds the setting a dotted path names (quantization.weights.bits, quantization.modules.encoder.weights.bits,
    /// quantization.modules.predictor.transformer.*.weights.bits: a module key may itself contain dots).
    /// </summary>
    internal SettingLookup Resolve(string dottedPath)
    {
        var segments = dottedPath.Split('.');
        return Walk(Root, segments, 0, [], isRoot: true);
    }

    /// <summary>A method's options block: one field per option of its options record, with its bounds and default.</summary>
    private static FieldDescriptor OptionsBlock(IQuantizationMethodDefinition method) => new(
        method.Name,
        new MapType([.. method.Options.Select(OptionField)]),
        $"Options used when method is {method.Name}.");

    private static FieldDescriptor OptionField(MethodOptionDescriptor option) => option.Kind switch
    {
        MethodOptionKind.Integer => new FieldDescriptor(option.Name,
            new IntegerType((long)(option.Min ?? int.MinValue), (long)(option.Max ?? int.MaxValue)), option.Description, (long)(int)option.Default),
        MethodOptionKind.Number => new FieldDescriptor(option.Name,
            new NumberType(option.Min, option.Max, option.MinExclusive, option.MaxExclusive), option.Description, (double)option.Default),
        _ => new FieldDescriptor(option.Name, new BooleanType(), option.Description, (bool)option.Default),
    };

    private static SettingLookup Walk(SchemaType current, string[] segments, int index, List<string> taken, bool isRoot)
    {
        if (index == segments.Length)
        {
            return new SettingLookup(taken, current, null, []);
        }

        string segment = segments[index];
        switch (current)
        {
            case MapType map:
            {
                var fields = map.Fields.Where(f => !isRoot || (f.Type is not MatrixType && f.Name != Extends.Name && f.Name != Name.Name)).ToList();
                var field = fields.FirstOrDefault(f => f.Name == segment);
                return field is null
                    ? new SettingLookup(null, null, segment, fields.Select(f => f.Name).ToList())
                    : Walk(field.Type, segments, index + 1, [.. taken, segment], isRoot: false);
            }

            case NoneOrType noneOr:
                return Walk(noneOr.Inner, segments, index, taken, isRoot: false);
            case DictionaryType dictionary:
            {
                // Try the shortest key first: a group name, then longer dotted globs.
                SettingLookup? firstFailure = null;
                for (int end = index; end < segments.Length - 1; end++)
                {
                    string key = string.Join('.', segments[index..(end + 1)]);
                    var attempt = Walk(dictionary.Values, segments, end + 1, [.. taken, key], isRoot: false);
                    if (attempt.Type is not null)
                    {
                        return attempt;
                    }

                    firstFailure ??= attempt;
                }

                return firstFailure ?? new SettingLookup(null, null, segment, ((MapType)dictionary.Values).Fields.Select(f => f.Name).ToList());
            }

            default:
                return new SettingLookup(null, null, segment, []);
        }
    }
}

/// <summary>The result of resolving a dotted setting path.</summary>
/// <param name="Segments">The YAML keys along the path (a module glob is one key), or null when the path names no setting.</param>
/// <param name="Type">The setting's type, or null.</param>
/// <param name="UnknownSegment">The first key that did not resolve.</param>
/// <param name="Allowed">The keys allowed where resolution failed.</param>
internal sealed record SettingLookup(IReadOnlyList<string>? Segments, SchemaType? Type, string? UnknownSegment, IReadOnlyList<string> Allowed);
