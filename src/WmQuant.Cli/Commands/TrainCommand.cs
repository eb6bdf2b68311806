using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Runtime;
using WmQuant.Training;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq train`: the options of <see cref="TrainingJob"/> (encoder pre-training, then predictor) and its step log.</summary>
internal static class TrainCommand
{
    /// <summary>The command line of a training run, read once.</summary>
    private sealed record Options(string Config, string Data, string Output, TrainingSettings Settings, TorchRuntimeOptions Runtime);

    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var config = new Option<string>("--config") { Description = "Model config YAML (e.g. models/configs/reference-wall.yaml).", Required = true };
        var data = new Option<string>("--data") { Description = "Dataset folder from `wmq data generate`.", Required = true };
        var output = new Option<string>("--out")
        {
            Description = "Output folder: model.safetensors, model.yaml, normalization.json, training.json; checkpoints/ for resuming (rerun the " +
                "same command).",
            Required = true,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights, batches and dropout.", DefaultValueFactory = _ => 0 };
        var encoderSteps = new Option<int>("--encoder-steps")
        {
            Description = "Encoder pre-training steps (autoencoder with the decoder).",
            DefaultValueFactory = _ => 2000,
        };
        var predictorSteps = new Option<int>("--predictor-steps") { Description = "Predictor training steps.", DefaultValueFactory = _ => 5000 };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per step.", DefaultValueFactory = _ => 32 };
        var logEvery = new Option<int>("--log-every") { Description = "Print and record the loss every N steps.", DefaultValueFactory = _ => 50 };
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Write a resumable checkpoint every N steps (0: never).",
            DefaultValueFactory = _ => 500,
        };
        var reachabilityWeight = new Option<double>("--reachability-weight")
        {
            Description = "Weight of the encoder's reachability term (latent distance follows shortest free paths between the agents; Wall). 0: " +
                "plain autoencoder.",
            DefaultValueFactory = _ => 0,
        };
        var reachabilityScale = new Option<double>("--reachability-scale")
        {
            Description = "Latent RMS distance per image pixel of shortest path asked by the reachability term.",
            DefaultValueFactory = _ => 0.02,
        };
        var reachabilityMetric = new Option<string>("--reachability-metric")
        {
            Description = "What the reachability term measures from the pixels: geodesic (free path between the agents' dots; Wall) or pusht-pose " +
                "(how far the block's silhouette and the pusher must move; measured on PushT it made planning worse, see " +
                "models/pusht/MODEL_CARD.md).",
            DefaultValueFactory = _ => "geodesic",
        };
        reachabilityMetric.AcceptOnlyFromAmong([.. ReachabilityMetricNames.All]);
        var proprioInitScale = new Option<double>("--proprio-init-scale")
        {
            Description = "Factor on the proprio encoder's initial weights (1: PyTorch default).",
            DefaultValueFactory = _ => 1.0,
        };
        var rolloutSteps = new Option<int>("--rollout-steps")
        {
            Description = "Add an open-loop rollout loss over this many model steps from each window's first frame, as the planner rolls out (0: " +
                "teacher forcing alone, as upstream).",
            DefaultValueFactory = _ => 0,
        };
        var rolloutWeight = new Option<double>("--rollout-weight")
        {
            Description = "Weight of the rollout loss next to the teacher-forced loss.",
            DefaultValueFactory = _ => 1.0,
        };
        var visualScale = new Option<double>("--visual-scale")
        {
            Description = "Factor on the frozen encoder's output once pre-training ends (1: unchanged); the planner's visual term grows by its " +
                "square.",
            DefaultValueFactory = _ => 1.0,
        };
        var proprioLearningRate = new Option<double?>("--proprio-lr")
        {
            Description = "AdamW rate of the proprio encoder (default: the action encoder's, 5e-4, as upstream).",
        };
        var noFrameCache = new Option<bool>("--no-frame-cache")
        {
            Description = "Render frames per batch instead of once up front (saves trajectories × (steps+1) × 3·S² bytes of memory).",
        };

        var command = new Command("train",
            "Train a DINO-WM reference model: encoder pre-training as an autoencoder, then the predictor with teacher forcing. " +
            "Rerunning into the same --out resumes from its last checkpoint.");
        runtime.AddTo(command);
        Option[] options =
        [
            config, data, output, seed, encoderSteps, predictorSteps, batchSize, logEvery, checkpointEvery, reachabilityWeight, reachabilityScale,
            reachabilityMetric, proprioInitScale, proprioLearningRate, rolloutSteps, rolloutWeight, visualScale, noFrameCache,
        ];
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new TrainingSettings
            {
                Seed = parse.GetValue(seed),
                BatchSize = parse.GetValue(batchSize),
                EncoderSteps = parse.GetValue(encoderSteps),
                PredictorSteps = parse.GetValue(predictorSteps),
                LogEvery = parse.GetValue(logEvery),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                CacheFrames = !parse.GetValue(noFrameCache),
                ReachabilityWeight = parse.GetValue(reachabilityWeight),
                ReachabilityScale = parse.GetValue(reachabilityScale),
                ReachabilityMetric = ReachabilityMetricNames.Parse(parse.GetValue(reachabilityMetric))!.Value,
                ProprioInitScale = parse.GetValue(proprioInitScale),
                RolloutSteps = parse.GetValue(rolloutSteps),
                RolloutWeight = parse.GetValue(rolloutWeight),
                VisualLatentScale = parse.GetValue(visualScale),
                ProprioLearningRate = parse.GetValue(proprioLearningRate),
            };
            var paths = (Config: parse.GetValue(config)!, Data: parse.GetValue(data)!, Output: parse.GetValue(output)!);
            return Task.FromResult(Handle(parse, new Options(paths.Config, paths.Data, paths.Output, settings, runtime.Read(parse, settings.Seed)),
                cancellationToken));
        });
        return command;
    }

    private static int Handle(ParseResult parse, Options options, CancellationToken cancellationToken)
    {
        var (job, problems) = TrainingJob.Prepare(new TrainingRequest(options.Config, options.Data, options.Output, options.Settings));
        if (job is null)
        {
            return parse.ExitWith(problems);
        }

        if (RuntimeOptionSet.Start(parse, options.Runtime) is not { } info)
        {
            return ExitCodes.EnvironmentFailure;
        }

        var output = parse.Out();
        output.WriteLine($"training {job.Config.Name} on {job.Dataset.Card.Environment} ({job.Dataset.Count} trajectories) " +
            $"on {info.Device} with {info.Threads} threads; seed {options.Settings.Seed}");
        var outcome = job.Run(info.Device, new StepLog(output, options.Settings.LogEvery), cancellationToken);
        if (outcome.Interrupted)
        {
            parse.Error().WriteLine("interrupted: rerun the same command to resume from the last checkpoint");
            return ExitCodes.EnvironmentFailure;
        }

        if (outcome.Result is not { } result)
        {
            return parse.ExitWith(outcome.Problems);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {result.ModelPath} (sha256 {result.ModelSha256}) after {result.WallSeconds:F1} s" +
            $"{(result.ResumedFrom is { } r ? $", resumed at step {r}" : "")}"));
        return ExitCodes.Passed;
    }

    /// <summary>
    /// One line every <c>--log-every</c> steps with the loss, the time per step and the ETA, printed on the training
    /// thread in step order (<see cref="Progress{T}"/> would post to the thread pool).
    /// </summary>
    private sealed class StepLog(TextWriter output, int logEvery) : IProgress<TrainingProgress>
    {
        private readonly Stopwatch watch = Stopwatch.StartNew();
        private bool started;
        private int lastStep;
        private TimeSpan lastTime;

        public void Report(TrainingProgress value)
        {
            if (!started)
            {
                // Time from the first finished step on, so frame rendering and setup do not count as step time.
                started = true;
                lastStep = value.Step;
                lastTime = watch.Elapsed;
            }

            if (value.Step % logEvery != 0 && value.Step != value.TotalSteps)
            {
                return;
            }

            var now = watch.Elapsed;
            var perStep = value.Step > lastStep ? (now - lastTime).TotalMilliseconds / (value.Step - lastStep) : 0;
            lastStep = value.Step == value.TotalSteps ? 0 : value.Step;
            lastTime = now;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{value.Phase,-18} {value.Step,6}/{value.TotalSteps,-6} loss {value.Loss:G5}  {perStep:F1} ms/step  " +
                $"ETA {value.Remaining:hh\\:mm\\:ss}"));
        }
    }
}
