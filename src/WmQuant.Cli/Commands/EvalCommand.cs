using System.CommandLine;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Environments;
using WmQuant.Models;
using WmQuant.Naming;
using WmQuant.Pipeline;
using WmQuant.Planning;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq eval`: plans with a trained model (<c>--model</c>) or a quantized artifact (<c>--artifact</c>) on evaluation
/// episodes (seeds 99·n+1) and reports success with its 95% interval, distances and per-episode outcomes (the baseline
/// for gates). Its quick quantization options bind into the same <see cref="QuantizationRequest"/> recipes do, through
/// the same registries; an artifact is evaluated as it was quantized.
/// </summary>
internal static class EvalCommand
{
    /// <summary>The command line of an evaluation, read once.</summary>
    private sealed record Options(
        string? Model, string? Artifact, IReadOnlyList<string> QuantizationOptionsGiven, string Environment, int Episodes, CemSettings Cem, GradientSettings Gradient, int MaxIterations,
        int WeightBits, string Granularity, int GroupSize, string Scope, string Method, int ActivationBits, long Seed,
        double? GoalPace, int SeedOffset, string Planner, string? Output, TorchRuntimeOptions Runtime, PlanningPrecision Precision);

    /// <summary>Module scopes <c>--scope</c> accepts.</summary>
    private static readonly string[] Scopes = ["all", "encoder", "predictor"];

    public static Command Create(CliServices services)
    {
        var runtime = new RuntimeOptionSet();
        var model = new Option<string?>("--model") { Description = "model.safetensors (model.yaml and normalization.json beside it); or --artifact." };
        var artifact = new Option<string?>("--artifact")
        {
            Description = "A quantized artifact folder (config.json and its weights; wmq run's output) to evaluate as it is, instead of --model.",
        };
        var env = new Option<string>("--env") { Description = string.Join(" | ", EnvironmentCatalog.Names), Required = true };
        var episodes = new Option<int>("--episodes") { Description = "Evaluation episodes (seeds 99·n + --seed-offset).", DefaultValueFactory = _ => 50 };
        var samples = new Option<int>("--samples") { Description = "CEM samples.", DefaultValueFactory = _ => 300 };
        var topK = new Option<int>("--top-k") { Description = "CEM elites.", DefaultValueFactory = _ => 30 };
        var optSteps = new Option<int>("--opt-steps") { Description = "CEM steps per plan (study: Wall 10, PushT 30).", DefaultValueFactory = _ => 10 };
        var horizon = new Option<int>("--horizon") { Description = "Model actions per plan.", DefaultValueFactory = _ => 5 };
        var iterations = new Option<int>("--max-iterations") { Description = "MPC iteration cap (study: Wall 50, PushT 30).", DefaultValueFactory = _ => 50 };
        var sigma = new Option<double>("--sigma") { Description = "CEM initial standard deviation in normalised action units (study: 1).", DefaultValueFactory = _ => 1.0 };
        var weightBits = new Option<int>("--weight-bits") { Description = "Fake-quantize Linear weights to this many bits (2-8; 16 = float).", DefaultValueFactory = _ => 16 };
        var granularity = new Option<string>("--granularity") { Description = string.Join(" | ", Names.All<WeightGranularity>()), DefaultValueFactory = _ => "channel" };
        var groupSize = new Option<int>("--group-size") { Description = "Group size along the input dim for --granularity group.", DefaultValueFactory = _ => 128 };
        var scope = new Option<string>("--scope") { Description = "all | encoder | predictor: which Linears are quantized.", DefaultValueFactory = _ => "all" };
        var method = new Option<string>("--method") { Description = $"{string.Join(" | ", services.Methods.Names)} (methods that need calibration data run through recipes).", DefaultValueFactory = _ => "rtn" };
        var actBits = new Option<int>("--act-bits") { Description = "Fake-quantize the inputs of quantized Linears per token (dynamic) to this many bits; 16 = float.", DefaultValueFactory = _ => 16 };
        var seed = new Option<long>("--seed") { Description = "Planning noise seed.", DefaultValueFactory = _ => 0 };
        var goalPace = new Option<double?>("--goal-pace") { Description = "PushT: largest step of the pusher whose 25-step replay makes each goal (default 0.25, upstream's demonstration pace; 0.6: the fast, harder goals of the first PushT model). Recorded in --out." };
        var seedOffset = new Option<int>("--seed-offset") { Description = "Episode n uses seed 99·n + this (1: the reported evaluation episodes; 2: calibration; pick another, e.g. 4, to select among models without touching the reported episodes). Recorded in --out.", DefaultValueFactory = _ => 1 };
        var precision = new Option<string>("--precision")
        {
            Description = $"{string.Join(" | ", Names.All<PlanningPrecision>())}: the arithmetic planning runs in (tf32 and bf16 need CUDA). Recorded in --out.",
            DefaultValueFactory = _ => "fp32",
        };
        precision.AcceptOnlyFromAmong([.. Names.All<PlanningPrecision>()]);
        var planner = new Option<string>("--planner") { Description = $"{string.Join(" | ", Names.All<PlannerKind>())} (gradient descent through the model; --samples, --top-k and --sigma are CEM's).", DefaultValueFactory = _ => "mpc-cem" };
        var learningRate = new Option<double>("--learning-rate") { Description = "Gradient planners' step size (upstream: 1).", DefaultValueFactory = _ => 1.0 };
        var actionNoise = new Option<double>("--action-noise") { Description = "Gradient planners' per-step action noise (upstream: 0.003).", DefaultValueFactory = _ => 0.003 };
        var output = new Option<string?>("--out") { Description = "Write the result (per-episode outcomes included) as JSON here." };
        var command = new Command("eval", "Evaluate a trained world model by planning (MPC-CEM by default) on N episodes.");
        runtime.AddTo(command);
        // A missing model is a command line that cannot run (WMQ2000, as a missing required option was before --artifact).
        command.Validators.Add(result =>
        {
            if ((result.GetResult(model) is null) == (result.GetResult(artifact) is null))
            {
                result.AddError("name the model to evaluate with exactly one of --model (a float checkpoint) and --artifact (a quantized artifact folder)");
            }
        });
        Option[] quantizationOptions = [weightBits, granularity, groupSize, scope, method, actBits];
        foreach (var option in new Option[] { model, artifact, env, episodes, samples, topK, optSteps, horizon, iterations, sigma, weightBits, granularity, groupSize, scope, method, actBits, seed, goalPace, seedOffset, planner, precision, learningRate, actionNoise, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Handle(parse, services.Methods, new Options(
            parse.GetValue(model),
            parse.GetValue(artifact),
            [.. quantizationOptions.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name)],
            parse.GetValue(env)!,
            parse.GetValue(episodes),
            new CemSettings(parse.GetValue(horizon), parse.GetValue(samples), parse.GetValue(topK), parse.GetValue(optSteps), parse.GetValue(sigma)),
            new GradientSettings(parse.GetValue(horizon), parse.GetValue(optSteps), parse.GetValue(learningRate), parse.GetValue(actionNoise)),
            parse.GetValue(iterations),
            parse.GetValue(weightBits),
            parse.GetValue(granularity)!,
            parse.GetValue(groupSize),
            parse.GetValue(scope)!,
            parse.GetValue(method)!,
            parse.GetValue(actBits),
            parse.GetValue(seed),
            parse.GetValue(goalPace),
            parse.GetValue(seedOffset),
            parse.GetValue(planner)!,
            parse.GetValue(output),
            runtime.Read(parse, parse.GetValue(seed)),
            Names.Parse<PlanningPrecision>(parse.GetValue(precision)) ?? PlanningPrecision.Fp32)));
        return command;
    }

    private static int Handle(ParseResult parse, QuantizationMethodRegistry methods, Options options)
    {
        var error = parse.Error();
        var inv = CultureInfo.InvariantCulture;
        var problems = new List<string>();
        Dictionary<string, double>? environmentParameters = null;
        if (options.GoalPace is { } pace)
        {
            if (options.Environment != "pusht" || !(pace > 0 && pace <= 2))
            {
                problems.Add($"--goal-pace applies to --env pusht and must lie in (0, 2] (got {pace.ToString(inv)} for {options.Environment})");
            }

            environmentParameters = new Dictionary<string, double> { ["goal_pace"] = pace };
        }

        if (options.Artifact is not null && options.QuantizationOptionsGiven.Count > 0)
        {
            problems.Add($"{string.Join(", ", options.QuantizationOptionsGiven)} quantize a float checkpoint; " +
                "an artifact is evaluated as it was quantized (drop them, or evaluate the source checkpoint with --model)");
        }

        if (options.SeedOffset is < 0 or > 98)
        {
            problems.Add($"--seed-offset must lie in 0 … 98 so that the seed families 99·n + offset stay disjoint (got {options.SeedOffset.ToString(inv)})");
        }

        bool reported = OptionErrors.Report(error, problems);
        reported |= OptionErrors.Report(error, options.Cem.Problems(), "--horizon, --samples, --top-k, --opt-steps, --sigma");
        reported |= OptionErrors.Report(error, QuantizationOptionProblems(methods, options));
        reported |= OptionErrors.Report(error, PlannerOptionProblems(options.Planner, options.Gradient));
        if (reported)
        {
            return ExitCodes.InvalidInput;
        }

        if (RuntimeOptionSet.Start(parse, options.Runtime) is not { } info)
        {
            return ExitCodes.EnvironmentFailure;
        }

        var request = new EvaluationRequest(
            options.Model ?? "",
            options.Environment,
            Names.Parse<PlannerKind>(options.Planner)!.Value,
            options.Cem,
            options.Gradient,
            options.Episodes,
            options.MaxIterations,
            options.SeedOffset,
            options.Seed,
            Quantization(methods, options),
            environmentParameters,
            options.Precision) { ArtifactPath = options.Artifact };
        if (request.Quantization is { } q)
        {
            parse.Out().WriteLine($"quantization  {q.Describe()}");
        }

        var progress = new InlineProgress(p =>
            error.WriteLine($"  MPC iteration {p.Iteration}/{p.MaxIterations}: {p.SucceededEpisodes}/{p.TotalEpisodes} succeeded, {p.ActiveEpisodes} still planning"));
        var outcome = EvaluationJob.Run(request, info, progress);
        if (error.Report(outcome.Problems) || outcome.Result is not { } result)
        {
            var codes = outcome.Problems.Where(p => p.IsError).Select(p => p.Code).ToList();
            return codes.Count > 0 ? ExitCodes.ForErrors(codes) : ExitCodes.InvalidInput;
        }

        var output = parse.Out();
        output.WriteLine($"success       {result.Successes}/{result.Outcomes.Count} = {result.SuccessRate.ToString("F3", inv)} (95% Wilson [{result.SuccessInterval.Lower.ToString("F3", inv)}, {result.SuccessInterval.Upper.ToString("F3", inv)}])");
        output.WriteLine($"distance      mean final state distance {result.MeanStateDistance.ToString("F3", inv)}");
        output.WriteLine($"iterations    mean {result.Outcomes.Average(o => o.IterationsUsed).ToString("F2", inv)} MPC iterations per episode");
        output.WriteLine($"time          {result.Elapsed.TotalSeconds.ToString("F1", inv)} s on {info.Device} ({info.Threads} threads)");
        if (options.Artifact is not null)
        {
            output.WriteLine($"artifact      {outcome.Record!.Quantization}, digest {outcome.Record.ModelSha256}");
        }

        if (outcome.Recorded is { } recorded)
        {
            string n = recorded.Episodes.ToString(inv);
            output.WriteLine(!recorded.Comparable
                ? $"recorded      not compared with the manifest's quantized evaluation, which was planned differently: {recorded.Reason}"
                : recorded.DifferingSeeds.Count == 0
                    ? $"recorded      identical to the manifest's quantized evaluation, episode for episode ({n}/{n})"
                    : $"recorded      {recorded.Identical.ToString(inv)}/{n} episodes as in the manifest's quantized evaluation; " +
                      $"seeds {string.Join(", ", recorded.DifferingSeeds.Select(s => s.ToString(inv)))} differ");
        }

        if (options.Output is { } outPath)
        {
            outcome.Record!.Save(outPath);
        }

        return ExitCodes.Passed;
    }

    /// <summary>
    /// The quick options as the request recipes bind to: the weights (and per-token activations) recipe-wide, and, for
    /// one-group scopes, an override that keeps the other group in float. Null when nothing is quantized.
    /// </summary>
    private static QuantizationRequest? Quantization(QuantizationMethodRegistry methods, Options options)
    {
        if (options.Artifact is not null || (options.WeightBits == WeightQuantConfig.BypassBits && options.ActivationBits == WeightQuantConfig.BypassBits))
        {
            return null;
        }

        var method = methods.Find(options.Method)!;
        var weights = new WeightQuantConfig(options.WeightBits, Names.Parse<WeightGranularity>(options.Granularity)!.Value, options.GroupSize);
        var activations = options.ActivationBits == WeightQuantConfig.BypassBits ? null : new ActivationQuantConfig(options.ActivationBits, ActivationGranularity.PerTokenDynamic);
        IReadOnlyList<QuantScopeRule> overrides = options.Scope switch
        {
            "encoder" => [new QuantScopeRule(LayerSelector.Group(ModuleGroup.Predictor), null, null)],
            "predictor" => [new QuantScopeRule(LayerSelector.Group(ModuleGroup.Encoder), null, null)],
            _ => [],
        };
        return new QuantizationRequest(method, method.DefaultOptions(), weights, activations, overrides);
    }

    /// <summary>Problems with the planner choice and, for gradient planners, their step size and noise.</summary>
    internal static IReadOnlyList<string> PlannerOptionProblems(string planner, GradientSettings gradient)
    {
        var inv = CultureInfo.InvariantCulture;
        if (Names.Parse<PlannerKind>(planner) is not { } named)
        {
            return [$"--planner must be one of {string.Join(", ", Names.All<PlannerKind>())} (got '{planner}')"];
        }

        var problems = new List<string>();
        if (named is PlannerKind.MpcGradient or PlannerKind.OpenLoopGradient)
        {
            if (!(gradient.LearningRate > 0))
            {
                problems.Add($"--learning-rate must be positive (got {gradient.LearningRate.ToString(inv)})");
            }

            if (!(gradient.ActionNoise >= 0))
            {
                problems.Add($"--action-noise must be at least 0 (got {gradient.ActionNoise.ToString(inv)})");
            }
        }

        return problems;
    }

    /// <summary>Every problem with the environment and quantization options, so one run reports them all before loading anything.</summary>
    private static List<string> QuantizationOptionProblems(QuantizationMethodRegistry methods, Options options)
    {
        var inv = CultureInfo.InvariantCulture;
        var problems = new List<string>();
        if (EnvironmentCatalog.Find(options.Environment) is null)
        {
            problems.Add($"--env must be one of {string.Join(", ", EnvironmentCatalog.Names)} (got '{options.Environment}')");
        }

        foreach (var (option, bits) in new[] { ("--weight-bits", options.WeightBits), ("--act-bits", options.ActivationBits) })
        {
            if (bits is not ((>= 2 and <= 8) or WeightQuantConfig.BypassBits))
            {
                problems.Add($"{option} must be 2 … 8, or 16 for float (got {bits.ToString(inv)})");
            }
        }

        if (Names.Parse<WeightGranularity>(options.Granularity) is null)
        {
            problems.Add($"--granularity must be {Names.Listed<WeightGranularity>()} (got '{options.Granularity}')");
        }

        if (options.GroupSize < 1)
        {
            problems.Add($"--group-size must be at least 1 (got {options.GroupSize.ToString(inv)})");
        }

        if (!Scopes.Contains(options.Scope))
        {
            problems.Add($"--scope must be all, encoder or predictor (got '{options.Scope}')");
        }

        if (methods.Find(options.Method) is null)
        {
            problems.Add($"--method must be one of {string.Join(", ", methods.Names)} (got '{options.Method}')");
        }

        return problems;
    }

    /// <summary>
    /// Reports on the planning thread, in order. Progress&lt;T&gt; posts to the thread pool: its lines could arrive after the
    /// result, or after the command returned and its writer was closed (a crash when run in-process).
    /// </summary>
    private sealed class InlineProgress(Action<EvaluationProgress> report) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => report(value);
    }
}
