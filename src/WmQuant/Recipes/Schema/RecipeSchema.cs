namespace WmQuant.Recipes.Schema;

/// <summary>
/// The recipe schema, declared once. Validation, the typed binding's defaults and the JSON Schema for editors are
/// all derived from these descriptors.
/// </summary>
public static class RecipeSchema
{
    /// <summary>Quantization methods; awq and gptq quantize weights only.</summary>
    public static readonly IReadOnlyList<string> Methods = ["rtn", "omse", "awq", "smoothquant", "omniquant", "gptq"];

    /// <summary>Methods that never quantize activations.</summary>
    public static readonly IReadOnlyList<string> WeightOnlyMethods = ["awq", "gptq"];

    /// <summary>The module groups overrides can name; anything else must be a glob on layer names.</summary>
    public static readonly IReadOnlyList<string> ModuleGroups = ["encoder", "predictor", "action_encoder", "proprio_encoder", "decoder"];

    /// <summary>Environments recipes can plan in.</summary>
    public static readonly IReadOnlyList<string> Environments = ["wall", "pusht", "pointmaze"];

    /// <summary>Metrics gates can test.</summary>
    public static readonly IReadOnlyList<string> Metrics = ["success_rate", "state_distance", "planning_loss", "latent_gap", "latent_drift"];

    /// <summary>Metrics that are proportions, so their thresholds must lie in [0, 1].</summary>
    public static readonly IReadOnlyList<string> ProportionMetrics = ["success_rate"];

    internal static readonly IntegerType Bits = new(2, 8, [16]);
    // Counts bind to int; the seed alone is a long.
    internal static readonly IntegerType Positive = new(1, int.MaxValue);
    internal static readonly IntegerType NonNegative = new(0, int.MaxValue);

    internal static readonly FieldDescriptor Version = new("version", new IntegerType(1, 1), "Recipe schema version; 1 is the only version so far.", 1L);
    internal static readonly FieldDescriptor Name = new("name", new TextType(TextFormat.Name),
        "Recipe name: letters, digits, '.', '_', '-'. Matrix expansions append their values (name-8-group).", Required: true);
    internal static readonly FieldDescriptor Description = new("description", new TextType(), "Free text for people reading the recipe.");
    internal static readonly FieldDescriptor Extends = new("extends", new TextType(TextFormat.Path),
        "A base recipe (path relative to this file) whose settings this one starts from: mappings merge (this file wins), lists are replaced. Bases may extend other bases.");

    internal static readonly FieldDescriptor Checkpoint = new("checkpoint", new TextType(TextFormat.Path, "checkpoint"),
        "safetensors state dict of the DINO-WM model, relative to the recipe.", Required: true);
    internal static readonly FieldDescriptor ModelConfig = new("config", new TextType(TextFormat.Path, "model config"),
        "Model config YAML (architecture sizes), relative to the recipe; default: the model's own config beside the checkpoint.");
    internal static readonly FieldDescriptor Model = new("model", new MapType([Checkpoint, ModelConfig]),
        "The full-precision model to quantize.", Required: true);

    internal static readonly FieldDescriptor Environment = new("environment", new ChoiceType(Environments),
        "Environment the model was trained on; calibration and evaluation plan in it. Also picks planner defaults.", Required: true);
    internal static readonly FieldDescriptor Device = new("device", new TextType(TextFormat.Device),
        "auto | cpu | cuda | cuda:N. auto uses CUDA when a CUDA libtorch and a GPU are found, else the CPU.", "auto");
    internal static readonly FieldDescriptor Seed = new("seed", new IntegerType(0),
        "Seed of every random choice in the run (CEM sampling, bootstrap); same seed, same inputs, same machine: same artifact.", 0L);

    internal static readonly FieldDescriptor CalibrationEpisodes = new("episodes", Positive,
        "Planning episodes whose layer inputs are recorded for calibration.", 50L);
    internal static readonly FieldDescriptor CalibrationSeedOffset = new("seed_offset", NonNegative,
        "Calibration episode n uses seed 99*n + seed_offset; keep it different from evaluation's so the sets are disjoint.", 2L);
    internal static readonly FieldDescriptor CalibrationMpcIterations = new("mpc_iterations", Positive,
        "MPC iterations run by the full-precision planner per calibration episode.", 2L);
    internal static readonly FieldDescriptor Calibration = new("calibration",
        new MapType([CalibrationEpisodes, CalibrationSeedOffset, CalibrationMpcIterations]),
        "How calibration data is collected: the FP planner runs on calibration episodes and every quantized layer's inputs are recorded.");

    internal static readonly FieldDescriptor Method = new("method", new ChoiceType(Methods),
        "rtn | omse | awq | smoothquant | omniquant | gptq. awq and gptq quantize weights only.", "rtn");
    internal static readonly FieldDescriptor WeightBits = new("bits", Bits, "Weight bit width: 2-8, or 16 to keep the weights in float.", 4L);
    internal static readonly FieldDescriptor WeightGranularity = new("granularity", new ChoiceType(["channel", "group"]),
        "One scale per output channel, or per group of group_size inputs of each output channel.", "group");
    internal static readonly FieldDescriptor WeightGroupSize = new("group_size", Positive,
        "Inputs per group when granularity is group; at most the widest quantized input. A width it does not divide gets a partial last group.", 128L);
    internal static readonly FieldDescriptor WeightSymmetric = new("symmetric", new BooleanType(),
        "Symmetric signed codes (no zero point) or asymmetric codes with a zero point.", true);
    internal static readonly FieldDescriptor Weights = new("weights",
        new MapType([WeightBits, WeightGranularity, WeightGroupSize, WeightSymmetric]), "How weights are quantized.");

    internal static readonly FieldDescriptor ActivationBits = new("bits", Bits, "Activation bit width: 2-8, or 16 to keep them in float.", 8L);
    internal static readonly FieldDescriptor ActivationGranularity = new("granularity", new ChoiceType(["per-tensor", "per-token"]),
        "per-tensor: static ranges calibrated once; per-token: dynamic ranges computed for every token.", "per-token");
    internal static readonly FieldDescriptor Activations = new("activations",
        new NoneOrType(new MapType([ActivationBits, ActivationGranularity])),
        "none (weight-only quantization) or how the inputs of quantized Linears are quantized (asymmetric).", "none");

    internal static readonly FieldDescriptor OverrideWeights = new("weights",
        new MapType(((MapType)Weights.Type).Fields.Select(f => f with { Default = null, Description = f.Description + " Default: the recipe-wide setting." }).ToList()),
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

    internal static readonly FieldDescriptor AwqGrid = new("grid", new IntegerType(2, 1000), "Points of the scale-exponent grid r in [0, 1).", 20L);
    internal static readonly FieldDescriptor AwqClipSearch = new("clip_search", new BooleanType(), "Search a clipping ratio per channel/group after scaling.", true);
    internal static readonly FieldDescriptor OmseCandidates = new("candidates", new IntegerType(2, 1000), "Shrink factors of the range tried per channel/group.", 90L);
    internal static readonly FieldDescriptor SmoothAlpha = new("alpha", new NumberType(0, 1), "Migration strength: 0 keeps the difficulty in activations, 1 moves it all to weights.", 0.5);
    internal static readonly FieldDescriptor SmoothSearchAlpha = new("search_alpha", new BooleanType(), "Search alpha on calibration data instead of using the fixed value.", false);
    internal static readonly FieldDescriptor OmniEpochs = new("epochs", Positive, "Optimisation epochs per block.", 20L);
    internal static readonly FieldDescriptor OmniLwcLr = new("lwc_lr", new NumberType(0, null, MinExclusive: true), "Learning rate of the learnable weight clipping.", 1e-2);
    internal static readonly FieldDescriptor OmniLetLr = new("let_lr", new NumberType(0, null, MinExclusive: true), "Learning rate of the learnable equivalent transformation.", 5e-3);
    internal static readonly FieldDescriptor OmniLwc = new("lwc", new BooleanType(), "Learn weight clipping bounds.", true);
    internal static readonly FieldDescriptor OmniLet = new("let", new BooleanType(), "Learn per-channel scale/shift (LET).", true);
    internal static readonly FieldDescriptor GptqDamp = new("damp", new NumberType(0, 1, MinExclusive: true), "Hessian dampening as a fraction of its mean diagonal.", 0.01);
    internal static readonly FieldDescriptor GptqBlockSize = new("block_size", Positive, "Columns per error-feedback block.", 128L);
    internal static readonly FieldDescriptor GptqActOrder = new("act_order", new BooleanType(), "Quantize columns in order of decreasing Hessian diagonal.", false);
    internal static readonly FieldDescriptor AwqOptions = new("awq", new MapType([AwqGrid, AwqClipSearch]), "Options used when method is awq.");
    internal static readonly FieldDescriptor OmseOptions = new("omse", new MapType([OmseCandidates]), "Options used when method is omse.");
    internal static readonly FieldDescriptor SmoothQuantOptions = new("smoothquant", new MapType([SmoothAlpha, SmoothSearchAlpha]), "Options used when method is smoothquant.");
    internal static readonly FieldDescriptor OmniQuantOptions = new("omniquant", new MapType([OmniEpochs, OmniLwcLr, OmniLetLr, OmniLwc, OmniLet]), "Options used when method is omniquant.");
    internal static readonly FieldDescriptor GptqOptions = new("gptq", new MapType([GptqDamp, GptqBlockSize, GptqActOrder]), "Options used when method is gptq.");
    internal static readonly FieldDescriptor MethodOptions = new("method_options",
        new MapType([AwqOptions, OmseOptions, SmoothQuantOptions, OmniQuantOptions, GptqOptions]),
        "Method-specific options, one block per method so a sweep over methods can set them all; only the chosen method's block is used.");
    internal static readonly FieldDescriptor Quantization = new("quantization",
        new MapType([Method, Weights, Activations, Modules, MethodOptions]),
        "What is quantized and how. By default every Linear of the encoder and predictor.");

    internal static readonly FieldDescriptor PlannerProfile = new("profile", new ChoiceType(["default", "cpu"]),
        "Planner defaults: 'default' is the study's settings for the environment (wall: mpc-cem horizon 5, samples 300, top_k 30, opt_steps 10, max_iterations 50; pusht: opt_steps 30, max_iterations 30); 'cpu' uses fewer samples and steps so a CPU finishes in minutes. Keys set here win.", "default");
    internal static readonly FieldDescriptor PlannerKind = new("kind", new ChoiceType([.. PlannerKindNames.All]),
        "Planner: CEM or gradient descent, re-planning after every horizon (mpc) or once (open-loop). Default from the profile.");
    internal static readonly FieldDescriptor PlannerHorizon = new("horizon", Positive, "Planned model steps (each frameskip environment steps). Default from the profile.");
    internal static readonly FieldDescriptor PlannerSamples = new("samples", Positive, "CEM samples per step (GD: parallel candidates). Default from the profile.");
    internal static readonly FieldDescriptor PlannerTopK = new("top_k", Positive, "CEM elites per step; at most samples. Default from the profile.");
    internal static readonly FieldDescriptor PlannerOptSteps = new("opt_steps", Positive, "Optimisation steps per plan. Default from the profile.");
    internal static readonly FieldDescriptor PlannerMaxIterations = new("max_iterations", Positive, "Cap on MPC iterations per episode. Default from the profile.");
    internal static readonly FieldDescriptor PlannerAlpha = new("alpha", new NumberType(0), "Weight of the proprio term in the planning objective. Default from the profile (1 wall/pusht, 0 pointmaze).");
    internal static readonly FieldDescriptor PlannerSigma = new("sigma", new NumberType(0, MinExclusive: true), "CEM's initial standard deviation in normalised action units (the study uses 1). Default from the profile.");
    internal static readonly FieldDescriptor Planner = new("planner",
        new MapType([PlannerProfile, PlannerKind, PlannerHorizon, PlannerSamples, PlannerTopK, PlannerOptSteps, PlannerMaxIterations, PlannerAlpha, PlannerSigma]),
        "The planner used for evaluation (and calibration).");
    internal static readonly FieldDescriptor EvaluationEpisodes = new("episodes", Positive, "Evaluation episodes, paired by seed between the FP and quantized models.", 50L);
    internal static readonly FieldDescriptor EvaluationSeedOffset = new("seed_offset", NonNegative, "Evaluation episode n uses seed 99*n + seed_offset.", 1L);
    internal static readonly FieldDescriptor Evaluation = new("evaluation", new MapType([EvaluationEpisodes, EvaluationSeedOffset, Planner]),
        "How the FP and quantized models are evaluated.");

    internal static readonly FieldDescriptor GateMetric = new("metric", new ChoiceType(Metrics), "The metric tested.", Required: true);
    internal static readonly FieldDescriptor GateMin = new("min", new NumberType(), "Fail when the measured value falls below this (the verdict reports its confidence interval).");
    internal static readonly FieldDescriptor GateMax = new("max", new NumberType(), "Fail when the measured value rises above this (the verdict reports its confidence interval).");
    internal static readonly FieldDescriptor GateMaxDrop = new("max_drop_vs_baseline", new NumberType(0),
        "Fail when the metric drops versus the baseline by more than this (paired by episode seed).");
    internal static readonly FieldDescriptor GateConfidence = new("confidence", new NumberType(0, 1, MinExclusive: true, MaxExclusive: true),
        "Confidence of the bound the gate is judged on, so gates do not flake.", 0.95);
    internal static readonly FieldDescriptor GateBaseline = new("baseline", new TextType(TextFormat.Baseline, "baseline manifest"),
        "fp (the full-precision model, evaluated in the same run) or a path to a previous release's manifest.json.", "fp");
    internal static readonly FieldDescriptor Gates = new("gates",
        new ListType(new MapType([GateMetric, GateMin, GateMax, GateMaxDrop, GateConfidence, GateBaseline])),
        "Checks that fail the build; each needs exactly one of min, max, max_drop_vs_baseline.", Array.Empty<string>());

    internal static readonly FieldDescriptor ArtifactName = new("name", new TextType(TextFormat.Name), "Artifact (and package) name; default: the recipe name.");
    internal static readonly FieldDescriptor ArtifactVersion = new("version", new TextType(TextFormat.SemVer), "SemVer version of the artifact.", "0.1.0");
    internal static readonly FieldDescriptor ArtifactFormats = new("formats", new ListType(new ChoiceType(["safetensors", "nupkg"]), 1, UniqueItems: true),
        "What to emit: the artifact folder with packed safetensors, and optionally a NuGet package of it.", new[] { "safetensors" });
    internal static readonly FieldDescriptor Artifact = new("artifact", new MapType([ArtifactName, ArtifactVersion, ArtifactFormats]),
        "The versioned output.");

    internal static readonly FieldDescriptor Matrix = new("matrix", new MatrixType(),
        "Sweep: setting paths (quantization.weights.bits) mapped to lists of values; the recipe expands to every combination, named name-value-value. 'exclude' lists combinations to leave out.");

    /// <summary>The whole recipe.</summary>
    public static readonly MapType Root = new(
    [
        Version, Name, Description, Extends, Model, Environment, Device, Seed, Calibration, Quantization, Evaluation, Gates, Artifact, Matrix,
    ]);

    /// <summary>
    /// Finds the setting a dotted path names (quantization.weights.bits, quantization.modules.encoder.weights.bits,
    /// quantization.modules.predictor.transformer.*.weights.bits: a module key may itself contain dots).
    /// </summary>
    internal static SettingLookup Resolve(string dottedPath)
    {
        var segments = dottedPath.Split('.');
        return Walk(Root, segments, 0, [], isRoot: true);
    }

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
