using System.CommandLine;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Environments;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning;
using WmQuant.Planning.Adapters;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Methods;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq eval`: plans with a trained model on evaluation episodes (seeds 99·n+1) and reports
/// success with its 95% interval, distances and per-episode outcomes (the baseline for gates).
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var model = new Option<string>("--model") { Description = "model.safetensors (model.yaml and normalization.json beside it).", Required = true };
        var env = new Option<string>("--env") { Description = "wall | pusht", Required = true };
        var episodes = new Option<int>("--episodes") { Description = "Evaluation episodes (seeds 99·n + --seed-offset).", DefaultValueFactory = _ => 50 };
        var samples = new Option<int>("--samples") { Description = "CEM samples.", DefaultValueFactory = _ => 300 };
        var topK = new Option<int>("--top-k") { Description = "CEM elites.", DefaultValueFactory = _ => 30 };
        var optSteps = new Option<int>("--opt-steps") { Description = "CEM steps per plan (study: Wall 10, PushT 30).", DefaultValueFactory = _ => 10 };
        var horizon = new Option<int>("--horizon") { Description = "Model actions per plan.", DefaultValueFactory = _ => 5 };
        var iterations = new Option<int>("--max-iterations") { Description = "MPC iteration cap (study: Wall 50, PushT 30).", DefaultValueFactory = _ => 50 };
        var sigma = new Option<double>("--sigma") { Description = "CEM initial standard deviation in normalised action units (study: 1).", DefaultValueFactory = _ => 1.0 };
        var weightBits = new Option<int>("--weight-bits") { Description = "Fake-quantize Linear weights to this many bits (2-8; 16 = float).", DefaultValueFactory = _ => 16 };
        var granularity = new Option<string>("--granularity") { Description = "tensor | channel | group", DefaultValueFactory = _ => "channel" };
        var groupSize = new Option<int>("--group-size") { Description = "Group size along the input dim for --granularity group.", DefaultValueFactory = _ => 128 };
        var scope = new Option<string>("--scope") { Description = "all | encoder | predictor: which Linears are quantized.", DefaultValueFactory = _ => "all" };
        var method = new Option<string>("--method") { Description = "rtn | omse", DefaultValueFactory = _ => "rtn" };
        var actBits = new Option<int>("--act-bits") { Description = "Fake-quantize the inputs of quantized Linears per token (dynamic) to this many bits; 16 = float.", DefaultValueFactory = _ => 16 };
        var seed = new Option<long>("--seed") { Description = "Planning noise seed.", DefaultValueFactory = _ => 0 };
        var goalPace = new Option<double?>("--goal-pace") { Description = "PushT: largest step of the pusher whose 25-step replay makes each goal (default 0.25, upstream's demonstration pace; 0.6: the fast, harder goals of the first PushT model). Recorded in --out." };
        var seedOffset = new Option<int>("--seed-offset") { Description = "Episode n uses seed 99·n + this (1: the reported evaluation episodes; 2: calibration; pick another, e.g. 4, to select among models without touching the reported episodes). Recorded in --out.", DefaultValueFactory = _ => 1 };
        var planner = new Option<string>("--planner") { Description = "mpc-cem | open-loop-cem | mpc-gd | open-loop-gd (gradient descent through the model; --samples, --top-k and --sigma are CEM's).", DefaultValueFactory = _ => "mpc-cem" };
        var learningRate = new Option<double>("--learning-rate") { Description = "Gradient planners' step size (upstream: 1).", DefaultValueFactory = _ => 1.0 };
        var actionNoise = new Option<double>("--action-noise") { Description = "Gradient planners' per-step action noise (upstream: 0.003).", DefaultValueFactory = _ => 0.003 };
        var output = new Option<string?>("--out") { Description = "Write the result (per-episode outcomes included) as JSON here." };
        var command = new Command("eval", "Evaluate a trained world model by planning (MPC-CEM by default) on N episodes.");
        runtime.AddTo(command);
        foreach (var option in new Option[] { model, env, episodes, samples, topK, optSteps, horizon, iterations, sigma, weightBits, granularity, groupSize, scope, method, actBits, seed, goalPace, seedOffset, planner, learningRate, actionNoise, output })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            string modelPath = parse.GetValue(model)!;
            Dictionary<string, double>? environmentParameters = null;
            if (parse.GetValue(goalPace) is { } pace)
            {
                if (parse.GetValue(env) != "pusht" || !(pace > 0 && pace <= 2))
                {
                    Console.Error.WriteLine($"error WMQ2001: --goal-pace applies to --env pusht and must lie in (0, 2] (got {pace.ToString(CultureInfo.InvariantCulture)} for {parse.GetValue(env)}).");
                    return ExitCodes.InvalidInput;
                }

                environmentParameters = new Dictionary<string, double> { ["goal_pace"] = pace };
            }

            int offset = parse.GetValue(seedOffset);
            if (offset is < 0 or > 98)
            {
                Console.Error.WriteLine($"error WMQ2001: --seed-offset must lie in 0 … 98 so that the seed families 99·n + offset stay disjoint (got {offset.ToString(CultureInfo.InvariantCulture)}).");
                return ExitCodes.InvalidInput;
            }

            var cem = new CemSettings(parse.GetValue(horizon), parse.GetValue(samples), parse.GetValue(topK), parse.GetValue(optSteps), parse.GetValue(sigma));
            var reported = OptionErrors.Report(cem.Problems(), "--horizon, --samples, --top-k, --opt-steps, --sigma");
            reported |= OptionErrors.Report(
                QuantizationOptionProblems(parse.GetValue(env)!, parse.GetValue(weightBits), parse.GetValue(actBits), parse.GetValue(granularity)!, parse.GetValue(groupSize), parse.GetValue(scope)!, parse.GetValue(method)!));
            var gradient = new GradientSettings(parse.GetValue(horizon), parse.GetValue(optSteps), parse.GetValue(learningRate), parse.GetValue(actionNoise));
            reported |= OptionErrors.Report(PlannerOptionProblems(parse.GetValue(planner)!, gradient));
            if (reported)
            {
                return ExitCodes.InvalidInput;
            }

            var info = TorchRuntime.Initialize(runtime.Read(parse, parse.GetValue(seed)));
            var loaded = TrainedModel.Load(modelPath);
            if (loaded.Model is null)
            {
                foreach (var problem in loaded.Problems)
                {
                    Console.Error.WriteLine(problem);
                }

                return ExitCodes.InvalidInput;
            }

            using var trained = loaded.Model;
            var worldModel = trained.Model;
            worldModel.MoveTo(info.Device, ScalarType.Float32);
            var config = worldModel.Config;
            string quantization = "fp32";
            if (parse.GetValue(weightBits) != 16 || parse.GetValue(actBits) != 16)
            {
                var granularityValue = Granularities[parse.GetValue(granularity)!];
                var weights = new WeightQuantConfig(parse.GetValue(weightBits), granularityValue, parse.GetValue(groupSize));
                string scopeValue = parse.GetValue(scope)!;
                var plan = new ModelQuantizationPlan(
                    scopeValue is "all" or "encoder" ? weights : null,
                    scopeValue is "all" or "predictor" ? weights : null,
                    parse.GetValue(actBits) == 16 ? null : new ActivationQuantConfig(parse.GetValue(actBits), ActivationGranularity.PerTokenDynamic));
                IWeightQuantMethod weightMethod = parse.GetValue(method) == "omse" ? new OmseWeightMethod() : new RtnWeightMethod();
                var layers = WorldModelQuantizer.Apply(worldModel, plan, weightMethod);
                quantization = $"{weightMethod.Name} W{weights.Bits} {parse.GetValue(granularity)}{(granularityValue == WeightGranularity.PerGroup ? parse.GetValue(groupSize).ToString(CultureInfo.InvariantCulture) : "")} A{parse.GetValue(actBits)} on {scopeValue} ({layers.Count} Linears)";
                Console.WriteLine($"quantization  {quantization}");
            }

            var adapter = trained.CreateAdapter();
            string envName = parse.GetValue(env)!;
            var batch = EnvironmentEpisodeBatch.ForModel(envName, config, environmentParameters);
            var settings = new EvaluationSettings(
                trained.CreateMpcSettings(parse.GetValue(iterations)),
                RecipePlannerSettings.KindOf(Recipes.PlannerKindNames.Parse(parse.GetValue(planner)!)!.Value),
                parse.GetValue(episodes),
                Seed: parse.GetValue(seed),
                Cem: cem,
                Gradient: gradient,
                SeedOffset: offset == EpisodeSeeds.Offset(EpisodeSeedSet.Evaluation) ? null : offset);
            var progress = new Progress<EvaluationProgress>(p =>
                Console.Error.WriteLine($"  MPC iteration {p.Iteration}/{p.MaxIterations}: {p.SucceededEpisodes}/{p.TotalEpisodes} succeeded, {p.ActiveEpisodes} still planning"));
            var result = new EvaluationRunner(adapter, settings).Run(batch, progress);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"success       {result.Successes}/{result.Outcomes.Count} = {result.SuccessRate.ToString("F3", inv)} (95% Wilson [{result.SuccessInterval.Lower.ToString("F3", inv)}, {result.SuccessInterval.Upper.ToString("F3", inv)}])");
            Console.WriteLine($"distance      mean final state distance {result.MeanStateDistance.ToString("F3", inv)}");
            Console.WriteLine($"iterations    mean {result.Outcomes.Average(o => o.IterationsUsed).ToString("F2", inv)} MPC iterations per episode");
            Console.WriteLine($"time          {result.Elapsed.TotalSeconds.ToString("F1", inv)} s on {info.Device} ({info.Threads} threads)");
            if (parse.GetValue(output) is { } outPath)
            {
                (EvaluationRecord.From(result, settings, envName, trained.Sha256, quantization, info.Device.ToString()) with { EnvironmentParameters = environmentParameters }).Save(outPath);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Problems with the planner choice and, for gradient planners, their step size and noise.</summary>
    internal static IReadOnlyList<string> PlannerOptionProblems(string planner, GradientSettings gradient)
    {
        var inv = CultureInfo.InvariantCulture;
        if (Recipes.PlannerKindNames.Parse(planner) is not { } named)
        {
            return [$"--planner must be one of {string.Join(", ", Recipes.PlannerKindNames.All)} (got '{planner}')"];
        }

        var problems = new List<string>();
        if (RecipePlannerSettings.KindOf(named) is PlannerKind.MpcGradient or PlannerKind.OpenLoopGradient)
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

    private static readonly Dictionary<string, WeightGranularity> Granularities = new()
    {
        ["tensor"] = WeightGranularity.PerTensor,
        ["channel"] = WeightGranularity.PerChannel,
        ["group"] = WeightGranularity.PerGroup,
    };

    /// <summary>Every problem with the environment and quantization options, so one run reports them all before loading anything.</summary>
    internal static IReadOnlyList<string> QuantizationOptionProblems(string env, int weightBits, int actBits, string granularity, int groupSize, string scope, string method)
    {
        var problems = new List<string>();
        if (!EnvironmentCatalog.Names.Contains(env))
        {
            problems.Add($"--env must be one of {string.Join(", ", EnvironmentCatalog.Names)} (got '{env}')");
        }

        foreach (var (option, bits) in new[] { ("--weight-bits", weightBits), ("--act-bits", actBits) })
        {
            if (bits is not ((>= 2 and <= 8) or WeightQuantConfig.BypassBits))
            {
                problems.Add($"{option} must be 2 … 8, or 16 for float (got {bits.ToString(CultureInfo.InvariantCulture)})");
            }
        }

        if (!Granularities.ContainsKey(granularity))
        {
            problems.Add($"--granularity must be tensor, channel or group (got '{granularity}')");
        }

        if (groupSize < 1)
        {
            problems.Add($"--group-size must be at least 1 (got {groupSize.ToString(CultureInfo.InvariantCulture)})");
        }

        if (scope is not ("all" or "encoder" or "predictor"))
        {
            problems.Add($"--scope must be all, encoder or predictor (got '{scope}')");
        }

        if (method is not ("rtn" or "omse"))
        {
            problems.Add($"--method must be rtn or omse (got '{method}')");
        }

        return problems;
    }
}
