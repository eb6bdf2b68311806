using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.Environments.Datasets;
using WmQuant.Models.Config;
using WmQuant.Runtime;
using WmQuant.Training;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq train`: trains a reference world model (encoder pre-training, then predictor) on a generated dataset.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var config = new Option<string>("--config") { Description = "Model config YAML (e.g. models/configs/reference-wall.yaml).", Required = true };
        var data = new Option<string>("--data") { Description = "Dataset folder from `wmq data generate`.", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: model.safetensors, model.yaml, normalization.json, training.json; checkpoints/ for resuming (rerun the same command).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights, batches and dropout.", DefaultValueFactory = _ => 0 };
        var encoderSteps = new Option<int>("--encoder-steps") { Description = "Encoder pre-training steps (autoencoder with the decoder).", DefaultValueFactory = _ => 2000 };
        var predictorSteps = new Option<int>("--predictor-steps") { Description = "Predictor training steps.", DefaultValueFactory = _ => 5000 };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per step.", DefaultValueFactory = _ => 32 };
        var logEvery = new Option<int>("--log-every") { Description = "Print and record the loss every N steps.", DefaultValueFactory = _ => 50 };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write a resumable checkpoint every N steps (0: never).", DefaultValueFactory = _ => 500 };
        var reachabilityWeight = new Option<double>("--reachability-weight") { Description = "Weight of the encoder's reachability term (latent distance follows shortest free paths between the agents; Wall). 0: plain autoencoder.", DefaultValueFactory = _ => 0 };
        var reachabilityScale = new Option<double>("--reachability-scale") { Description = "Latent RMS distance per image pixel of shortest path asked by the reachability term.", DefaultValueFactory = _ => 0.02 };
        var reachabilityMetric = new Option<string>("--reachability-metric") { Description = "What the reachability term measures from the pixels: geodesic (free path between the agents' dots; Wall) or pusht-pose (how far the block's silhouette and the pusher must move; measured on PushT it made planning worse, see models/pusht/MODEL_CARD.md).", DefaultValueFactory = _ => "geodesic" };
        reachabilityMetric.AcceptOnlyFromAmong("geodesic", "pusht-pose");
        var proprioInitScale = new Option<double>("--proprio-init-scale") { Description = "Factor on the proprio encoder's initial weights (1: PyTorch default).", DefaultValueFactory = _ => 1.0 };
        var rolloutSteps = new Option<int>("--rollout-steps") { Description = "Add an open-loop rollout loss over this many model steps from each window's first frame, as the planner rolls out (0: teacher forcing alone, as upstream).", DefaultValueFactory = _ => 0 };
        var rolloutWeight = new Option<double>("--rollout-weight") { Description = "Weight of the rollout loss next to the teacher-forced loss.", DefaultValueFactory = _ => 1.0 };
        var visualScale = new Option<double>("--visual-scale") { Description = "Factor on the frozen encoder's output once pre-training ends (1: unchanged); the planner's visual term grows by its square.", DefaultValueFactory = _ => 1.0 };
        var proprioLearningRate = new Option<double?>("--proprio-lr") { Description = "AdamW rate of the proprio encoder (default: the action encoder's, 5e-4, as upstream)." };
        var noFrameCache = new Option<bool>("--no-frame-cache") { Description = "Render frames per batch instead of once up front (saves trajectories × (steps+1) × 3·S² bytes of memory)." };

        var command = new Command("train", "Train a DINO-WM reference model: encoder pre-training as an autoencoder, then the predictor with teacher forcing. Rerunning into the same --out resumes from its last checkpoint.");
        runtime.AddTo(command);
        foreach (var option in new Option[] { config, data, output, seed, encoderSteps, predictorSteps, batchSize, logEvery, checkpointEvery, reachabilityWeight, reachabilityScale, reachabilityMetric, proprioInitScale, proprioLearningRate, rolloutSteps, rolloutWeight, visualScale, noFrameCache })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var parsed = WorldModelConfigYaml.Load(parse.GetValue(config)!);
            if (!parsed.Ok)
            {
                return Fail(DiagnosticCodes.TrainConfig, parsed.Problems);
            }

            TrajectoryDataset dataset;
            try
            {
                dataset = TrajectoryDataset.Open(parse.GetValue(data)!);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                return Fail(DiagnosticCodes.TrainDataset, [e.Message]);
            }

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
                ReachabilityMetric = parse.GetValue(reachabilityMetric) == "pusht-pose" ? ReachabilityMetric.PushTPose : ReachabilityMetric.PixelGeodesic,
                ProprioInitScale = parse.GetValue(proprioInitScale),
                RolloutSteps = parse.GetValue(rolloutSteps),
                RolloutWeight = parse.GetValue(rolloutWeight),
                VisualLatentScale = parse.GetValue(visualScale),
                ProprioLearningRate = parse.GetValue(proprioLearningRate),
            };
            var problems = WorldModelTrainer.Problems(parsed.Config!, dataset.Card, settings);
            if (problems.Count > 0)
            {
                return Fail(DiagnosticCodes.TrainIncompatible, problems);
            }

            TorchRuntimeInfo info;
            try
            {
                info = TorchRuntime.Initialize(runtime.Read(parse, settings.Seed));
            }
            catch (TorchRuntimeException e)
            {
                return Fail(DiagnosticCodes.TrainDevice, [e.Message]);
            }

            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            var inv = CultureInfo.InvariantCulture;
            var watch = Stopwatch.StartNew();
            var lastStep = 0;
            var lastTime = TimeSpan.Zero;
            var started = false;
            var progress = new InlineProgress(p =>
            {
                if (!started)
                {
                    // Time from the first finished step on, so frame rendering and setup do not count as step time.
                    started = true;
                    lastStep = p.Step;
                    lastTime = watch.Elapsed;
                }

                if (p.Step % settings.LogEvery != 0 && p.Step != p.TotalSteps)
                {
                    return;
                }

                var now = watch.Elapsed;
                var perStep = p.Step > lastStep ? (now - lastTime).TotalMilliseconds / (p.Step - lastStep) : 0;
                lastStep = p.Step == p.TotalSteps ? 0 : p.Step;
                lastTime = now;
                Console.WriteLine(string.Create(inv, $"{p.Phase,-18} {p.Step,6}/{p.TotalSteps,-6} loss {p.Loss:G5}  {perStep:F1} ms/step  ETA {p.Remaining:hh\\:mm\\:ss}"));
            });
            try
            {
                Console.WriteLine($"training {parsed.Config!.Name} on {dataset.Card.Environment} ({dataset.Count} trajectories) on {info.Device} with {info.Threads} threads; seed {settings.Seed}");
                var trainer = new WorldModelTrainer(parsed.Config!, dataset, settings, info.Device);
                var result = trainer.Train(parse.GetValue(output)!, progress, cancel.Token);
                Console.WriteLine(string.Create(inv, $"wrote {result.ModelPath} (sha256 {result.ModelSha256}) after {result.WallSeconds:F1} s{(result.ResumedFrom is { } r ? $", resumed at step {r}" : "")}"));
                return ExitCodes.Passed;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("interrupted: rerun the same command to resume from the last checkpoint");
                return ExitCodes.EnvironmentFailure;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    private static int Fail(string code, IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"error {code}: {problem}");
        }

        return ExitCodes.InvalidInput;
    }

    /// <summary>Prints on the training thread, in step order (System.Progress would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
