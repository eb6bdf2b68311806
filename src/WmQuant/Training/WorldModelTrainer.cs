using WmQuant.IO;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp.Modules;
using WmQuant.Environments.Datasets;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Models.Encoder;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using WmQuant.Training.Objectives;
using static TorchSharp.torch;

namespace WmQuant.Training;

/// <summary>What a finished run produced.</summary>
/// <param name="ModelPath">&lt;out&gt;/model.safetensors (model.yaml, normalization.json and training.json lie beside it).</param>
/// <param name="ModelSha256">SHA-256 of the weights file, hex.</param>
/// <param name="Losses">Recorded losses of both phases.</param>
/// <param name="WallSeconds">Training wall time, resumed segments included.</param>
/// <param name="ResumedFrom">Global step the run resumed at, or null when it started fresh.</param>
public sealed record TrainingResult(string ModelPath, string ModelSha256, IReadOnlyList<LossRecord> Losses, double WallSeconds, int? ResumedFrom);

/// <summary>
/// Trains a DINO-WM reference model in two phases. Phase 1 pre-trains the encoder with the decoder as an
/// autoencoder (MSE between decoded and input frames), optionally with a reachability term that makes latent
/// distance follow shortest free paths (<see cref="ReachabilityLoss"/>), and then freezes the encoder,
/// standing in for DINOv2's pre-training (DESIGN §4). Phase 2 trains the predictor, action and proprio
/// encoders as upstream: teacher-forced MSE between the prediction of every frame and the next frame's
/// tokens (detached), over the visual and proprio channels only; the decoder keeps learning there on the
/// frozen encoder's detached latents, as upstream trains it (it matters when the reachability term leaves
/// the reconstruction of a small agent behind in phase 1).
/// </summary>
/// <remarks>
/// Every step draws its batch from <see cref="TrainingSeeds.Batch"/> and reseeds torch from
/// <see cref="TrainingSeeds.Torch"/>, and checkpoints hold weights and Adam moments, so a resumed run ends
/// with the same weights as an uninterrupted one (on the same device and thread count).
/// </remarks>
public sealed class WorldModelTrainer
{
    private const string EncoderOptimizer = "encoder";
    private const string DecoderOptimizer = "decoder";
    private const string PredictorOptimizer = "predictor";
    private const string EmbeddingOptimizer = "embeddings";
    private const string ProprioOptimizer = "proprio";

    private readonly WorldModelConfig _config;
    private readonly TrajectoryDataset _dataset;
    private readonly TrainingSettings _settings;
    private readonly Device _device;
    private readonly ILogger _logger;
    private readonly TrainingWindow _window;

    /// <summary>Sets up a run; call <see cref="Problems"/> first to turn user mistakes into messages.</summary>
    public WorldModelTrainer(WorldModelConfig config, TrajectoryDataset dataset, TrainingSettings settings, Device? device = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = Problems(config, dataset.Card, settings);
        if (problems.Count > 0)
        {
            throw new ArgumentException("cannot train: " + string.Join("; ", problems));
        }

        _config = config;
        _dataset = dataset;
        _settings = settings;
        _device = device ?? CPU;
        _logger = logger ?? NullLogger.Instance;
        _window = new TrainingWindow(WindowFrames(config, settings), config.Frameskip);
    }

    /// <summary>Why <paramref name="config"/>, <paramref name="card"/> and <paramref name="settings"/> cannot train together (empty when they can).</summary>
    public static IReadOnlyList<string> Problems(WorldModelConfig config, DatasetCard card, TrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>(config.Validate());
        problems.AddRange(settings.Validate());
        if (config.ActionDim != card.ActionDim)
        {
            problems.Add($"model action_dim {config.ActionDim} differs from the dataset's {card.ActionDim}");
        }

        if (config.ProprioDim != card.ProprioDim)
        {
            problems.Add($"model proprio_dim {config.ProprioDim} differs from the dataset's {card.ProprioDim}");
        }

        var frames = WindowFrames(config, settings);
        var span = frames * config.Frameskip;
        if (card.StepsPerTrajectory < span)
        {
            problems.Add($"trajectories have {card.StepsPerTrajectory} steps; a window of {frames} frames every {config.Frameskip} steps needs {span}");
        }

        if (settings.EncoderSteps > 0 && !config.Decoder.Enabled)
        {
            problems.Add("encoder pre-training needs the decoder: enable decoder in the model config or pass 0 encoder steps");
        }

        return problems;
    }

    /// <summary>
    /// Runs (or resumes, when &lt;out&gt;/checkpoints holds one) the whole training and writes the outputs into
    /// <paramref name="outputDirectory"/>; the checkpoints are removed once the final model is written.
    /// Cancelling throws <see cref="OperationCanceledException"/> and keeps the last checkpoint for resuming.
    /// </summary>
    public TrainingResult Train(string outputDirectory, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(outputDirectory);
        var store = new TrainingCheckpointStore(outputDirectory);
        using var model = new DinoWorldModel(_config, _settings.Seed).MoveTo(_device, ScalarType.Float32);
        if (_settings.ProprioInitScale != 1.0)
        {
            using var noGrad = no_grad();
            foreach (var parameter in model.ProprioEncoder.parameters())
            {
                parameter.MulInPlace(_settings.ProprioInitScale);
            }
        }

        // The fused CPU attention kernel's backward is not bit-reproducible across runs (seen as 1-ulp
        // differences in the predictor after one step); the written-out kernel is, and costs little on CPU.
        if (_device.type == TorchSharp.DeviceType.CPU)
        {
            model.AttentionKernel = AttentionKernel.Explicit;
        }
        var named = model.named_parameters().ToList();
        IEnumerable<(string, Parameter)> Group(params string[] prefixes) =>
            named.Where(p => prefixes.Any(x => p.name.StartsWith(x + ".", StringComparison.Ordinal)));
        var optimizers = new Dictionary<string, AdamWOptimizer>
        {
            [EncoderOptimizer] = new(Group("encoder"), _settings.EncoderLearningRate, 0),
            [DecoderOptimizer] = new(Group("decoder"), _settings.DecoderLearningRate, 0),
            [PredictorOptimizer] = new(Group("predictor"), _settings.PredictorLearningRate, _settings.WeightDecay),
        };
        if (_settings.ProprioLearningRate is { } proprioRate)
        {
            optimizers[EmbeddingOptimizer] = new(Group("action_encoder"), _settings.EmbeddingLearningRate, _settings.WeightDecay);
            optimizers[ProprioOptimizer] = new(Group("proprio_encoder"), proprioRate, _settings.WeightDecay);
        }
        else
        {
            optimizers[EmbeddingOptimizer] = new(Group("action_encoder", "proprio_encoder"), _settings.EmbeddingLearningRate, _settings.WeightDecay);
        }
        try
        {
            var losses = new List<LossRecord>();
            var phase = TrainingPhase.EncoderPretraining;
            var startStep = 0;
            double previousSeconds = 0;
            int? resumedFrom = null;
            var checkpoint = store.LoadLatest();
            if (checkpoint is not null)
            {
                using (var scope = NewDisposeScope())
                {
                    var problems = WorldModelCheckpoint.Apply(model, checkpoint.Weights);
                    if (problems.Count > 0)
                    {
                        throw new InvalidDataException($"checkpoint in {store.Directory} does not fit this model: {string.Join("; ", problems)}");
                    }

                    foreach (var (name, optimizer) in optimizers)
                    {
                        var prefix = name + "/";
                        var state = checkpoint.OptimizerState.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
                        optimizer.Restore(state, checkpoint.State.OptimizerSteps.GetValueOrDefault(name));
                    }
                }

                phase = checkpoint.State.Phase;
                startStep = checkpoint.State.Step;
                losses.AddRange(checkpoint.State.Losses);
                previousSeconds = checkpoint.State.ElapsedSeconds;
                resumedFrom = GlobalStep(phase, startStep);
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    _logger.LogInformation("resuming from {Checkpoint}: {Phase} step {Step}", store.Directory, phase, startStep);
                }
            }

            using var data = new TrainingData(_dataset, _config.ImageSize, _settings.CacheFrames);
            var clock = Stopwatch.StartNew();
            var remainingAtStart = (_settings.EncoderSteps + _settings.PredictorSteps) - (resumedFrom ?? 0);
            var context = new RunContext(model, data, optimizers, losses, store, progress, clock, previousSeconds, remainingAtStart, cancellation);
            if (phase == TrainingPhase.EncoderPretraining)
            {
                RunPhase(context, TrainingPhase.EncoderPretraining, startStep, _settings.EncoderSteps, EncoderStep);
                startStep = 0;
                ScaleEncoderOutput(model, _settings.VisualLatentScale);
            }

            RunPhase(context, TrainingPhase.Predictor, startStep, _settings.PredictorSteps, PredictorStep);
            model.eval();
            var wall = previousSeconds + clock.Elapsed.TotalSeconds;
            var modelPath = TrainingOutputs.Write(outputDirectory, model, _dataset.Card, _settings, losses, wall, _device);
            store.Clear();
            return new TrainingResult(modelPath, FileHashes.Sha256(modelPath), losses, wall, resumedFrom);
        }
        finally
        {
            foreach (var optimizer in optimizers.Values)
            {
                optimizer.Dispose();
            }
        }
    }

    private int GlobalStep(TrainingPhase phase, int step) => phase == TrainingPhase.EncoderPretraining ? step : _settings.EncoderSteps + step;

    private void RunPhase(RunContext run, TrainingPhase phase, int from, int total, Func<RunContext, Random, double> step)
    {
        var model = run.Model;
        model.train();
        if (phase == TrainingPhase.EncoderPretraining)
        {
            SetTrainable(model.Encoder, true);
        }

        try
        {
            for (var s = from; s < total; s++)
            {
                run.Cancellation.ThrowIfCancellationRequested();
                manual_seed(TrainingSeeds.Torch(_settings.Seed, phase, s));
                var loss = step(run, new Random(TrainingSeeds.Batch(_settings.Seed, phase, s)));
                var done = s + 1;
                if (done % _settings.LogEvery == 0 || done == total)
                {
                    run.Losses.Add(new LossRecord(phase, done, loss));
                    if (_logger.IsEnabled(LogLevel.Information))
                    {
                        _logger.LogInformation("{Phase} step {Step}/{Total} loss {Loss:G5}", phase, done, total, loss);
                    }
                }

                var finishedGlobal = GlobalStep(phase, done) - ((_settings.EncoderSteps + _settings.PredictorSteps) - run.RemainingAtStart);
                var perStep = run.Clock.Elapsed.TotalSeconds / Math.Max(1, finishedGlobal);
                var left = (_settings.EncoderSteps + _settings.PredictorSteps) - GlobalStep(phase, done);
                run.Progress?.Report(new TrainingProgress(phase, done, total, loss, TimeSpan.FromSeconds(perStep * left)));
                // Also at the end of pre-training, so an interruption early in phase 2 does not redo phase 1's tail.
                var phaseEnd = done == total && phase == TrainingPhase.EncoderPretraining;
                if (_settings.CheckpointEvery > 0 && ((done % _settings.CheckpointEvery == 0 && done < total) || phaseEnd))
                {
                    WriteCheckpoint(run, phase, done);
                }
            }
        }
        finally
        {
            if (phase == TrainingPhase.EncoderPretraining)
            {
                SetTrainable(model.Encoder, false);
            }

            model.eval();
        }
    }

    private void WriteCheckpoint(RunContext run, TrainingPhase phase, int done)
    {
        using var scope = NewDisposeScope();
        var optimizerState = new Dictionary<string, Tensor>();
        foreach (var (name, optimizer) in run.Optimizers)
        {
            foreach (var (key, value) in optimizer.StateTensors())
            {
                optimizerState[name + "/" + key] = value;
            }
        }

        var state = new TrainingResumeState(
            phase,
            done,
            run.Optimizers.ToDictionary(kv => kv.Key, kv => kv.Value.StepCount),
            [.. run.Losses],
            run.PreviousSeconds + run.Clock.Elapsed.TotalSeconds);
        var path = run.Store.Write(GlobalStep(phase, done), state, run.Model.state_dict(), optimizerState);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("checkpoint {Path}", path);
        }
    }

    private double EncoderStep(RunContext run, Random random)
    {
        using var scope = NewDisposeScope();
        var reachability = _settings.ReachabilityWeight > 0;
        var items = reachability ? PairedFrames(run.Data, random) : RandomFrames(run.Data, random);
        var model = run.Model;
        var images = run.Data.Frames(items).to(_device).to_type(ScalarType.Float32).Div(255.0);
        var visual = model.Encoder.forward(ImagePreprocessing.ToEncoderInput(images, _config.ImageSize, model.Dtype));
        var reconstruction = model.Decoder!.forward(visual);
        var loss = nn.functional.mse_loss(reconstruction, images);
        if (reachability)
        {
            var paths = _settings.ReachabilityMetric == ReachabilityMetric.PushTPose ? PushTPoseDistance.Pairwise(images) : PixelGeodesics.Pairwise(images);
            loss = loss.Add(ReachabilityLoss.Compute(visual, paths, _settings.ReachabilityScale).Mul(_settings.ReachabilityWeight));
        }

        model.zero_grad();
        loss.backward();
        run.Optimizers[EncoderOptimizer].Step();
        run.Optimizers[DecoderOptimizer].Step();
        return loss.item<float>();
    }

    private (int, int)[] RandomFrames(TrainingData data, Random random)
    {
        var items = new (int, int)[_settings.BatchSize];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = (random.Next(data.Count), random.Next(data.Steps + 1));
        }

        return items;
    }

    // Half the batch are random frames, each followed by a frame 1..MaxGap steps later in its trajectory:
    // pairs at every distance, the short ones included, where the reachability term needs them.
    private (int, int)[] PairedFrames(TrainingData data, Random random)
    {
        var items = new (int, int)[_settings.BatchSize];
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            var trajectory = random.Next(data.Count);
            var time = random.Next(data.Steps + 1);
            var gap = 1 + random.Next(_settings.ReachabilityMaxGap);
            var partner = time + gap <= data.Steps ? time + gap : Math.Max(0, time - gap);
            items[i] = (trajectory, time);
            items[i + 1] = (trajectory, partner);
        }

        if (items.Length % 2 == 1)
        {
            items[^1] = (random.Next(data.Count), random.Next(data.Steps + 1));
        }

        return items;
    }

    private double PredictorStep(RunContext run, Random random)
    {
        using var scope = NewDisposeScope();
        var b = _settings.BatchSize;
        var frames = _window.Frames;
        var data = run.Data;
        var items = new (int, int)[b * frames];
        var actionWidth = _config.Frameskip * data.ActionDim;
        var actions = new float[b * frames * actionWidth];
        var proprio = new float[b * frames * data.ProprioDim];
        var starts = _window.StartCount(data.Steps);
        for (var i = 0; i < b; i++)
        {
            var trajectory = random.Next(data.Count);
            var start = random.Next(starts);
            _window.CopyActions(data.NormalisedActions[trajectory], data.ActionDim, start, actions.AsSpan(i * frames * actionWidth, frames * actionWidth));
            for (var k = 0; k < frames; k++)
            {
                var time = _window.FrameTime(start, k);
                items[(i * frames) + k] = (trajectory, time);
                data.NormalisedProprio[trajectory].AsSpan(time * data.ProprioDim, data.ProprioDim)
                    .CopyTo(proprio.AsSpan(((i * frames) + k) * data.ProprioDim, data.ProprioDim));
            }
        }

        var model = run.Model;
        var images = run.Data.Frames(items).to(_device).to_type(ScalarType.Float32).Div(255.0);
        var visual = model.EncodeVisual(images);
        visual = visual.reshape(b, frames, visual.shape[1], visual.shape[2]);
        // clone(): a tensor made from a managed array can sit on its (varying) alignment, and CPU kernels
        // pick alignment-dependent paths whose results differ in the last bit; torch's own buffers are aligned.
        var proprioEmb = model.EncodeProprio(tensor(proprio).reshape(b, frames, data.ProprioDim).clone());
        var actionEmb = model.EncodeActions(tensor(actions).reshape(b, frames, actionWidth).clone());
        var z = model.ComposeTokens(visual, proprioEmb, actionEmb);
        var observed = _config.Encoder.Dim + _config.ProprioTokenDim;
        var prediction = model.PredictNext(z[.., .._config.NumHist]);
        var target = z[.., _config.NumPred..(_config.NumHist + _config.NumPred)].detach();
        var loss = nn.functional.mse_loss(prediction[.., .., .., ..observed], target[.., .., .., ..observed]);
        var trainDecoder = _settings.DecoderWithPredictor && model.Decoder is not null;
        var total = _settings.RolloutSteps > 0 ? loss.Add(OpenLoopRolloutLoss.Compute(model, z, _settings.RolloutSteps).Mul(_settings.RolloutWeight)) : loss;
        if (trainDecoder)
        {
            // As upstream: the decoder also learns on the frozen encoder's (detached) latents of the same frames.
            var latents = visual.reshape(b * frames, visual.shape[2], visual.shape[3]);
            total = loss.Add(nn.functional.mse_loss(model.Decoder!.forward(latents), images));
        }

        model.zero_grad();
        total.backward();
        run.Optimizers[PredictorOptimizer].Step();
        run.Optimizers[EmbeddingOptimizer].Step();
        if (run.Optimizers.TryGetValue(ProprioOptimizer, out var proprioOptimizer))
        {
            proprioOptimizer.Step();
        }

        if (trainDecoder)
        {
            run.Optimizers[DecoderOptimizer].Step();
        }

        return loss.item<float>();
    }

    /// <summary>Frames per training window: num_hist + num_pred for teacher forcing, more when the rollout loss needs them.</summary>
    private static int WindowFrames(WorldModelConfig config, TrainingSettings settings) =>
        Math.Max(config.NumHist + config.NumPred, settings.RolloutSteps + 1);

    /// <summary>Multiplies the encoder's final LayerNorm affine parameters, so its output is scaled (applied once: checkpoints of phase 2 hold the scaled weights).</summary>
    private static void ScaleEncoderOutput(DinoWorldModel model, double scale)
    {
        if (scale == 1.0)
        {
            return;
        }

        using var noGrad = no_grad();
        model.Encoder.Norm.weight!.MulInPlace(scale);
        model.Encoder.Norm.bias!.MulInPlace(scale);
    }

    private static void SetTrainable(nn.Module module, bool trainable)
    {
        foreach (var parameter in module.parameters())
        {
            parameter.requires_grad = trainable;
        }
    }

    private sealed record RunContext(
        DinoWorldModel Model,
        TrainingData Data,
        Dictionary<string, AdamWOptimizer> Optimizers,
        List<LossRecord> Losses,
        TrainingCheckpointStore Store,
        IProgress<TrainingProgress>? Progress,
        Stopwatch Clock,
        double PreviousSeconds,
        int RemainingAtStart,
        CancellationToken Cancellation);
}
