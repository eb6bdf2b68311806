namespace WmQuant.Training;

/// <summary>
/// Everything that decides a training run's result besides the model config and the data, so a run
/// can be repeated (same settings and seed give the same weights on the same device) and recorded.
/// </summary>
public sealed record TrainingSettings
{
    /// <summary>Seeds the initial weights, every batch draw and every dropout mask.</summary>
    public int Seed { get; init; }

    /// <summary>Samples per optimisation step (upstream DINO-WM uses 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Phase-1 steps: the encoder is trained as an autoencoder with the decoder, then frozen.</summary>
    public int EncoderSteps { get; init; } = 2000;

    /// <summary>Phase-2 steps: predictor, action and proprio encoders on teacher-forced latent prediction.</summary>
    public int PredictorSteps { get; init; } = 5000;

    /// <summary>AdamW rate of the predictor (upstream 5e-4).</summary>
    public double PredictorLearningRate { get; init; } = 5e-4;

    /// <summary>AdamW rate of the action and proprio encoders (upstream 5e-4).</summary>
    public double EmbeddingLearningRate { get; init; } = 5e-4;

    /// <summary>Adam rate of the decoder (upstream 3e-4).</summary>
    public double DecoderLearningRate { get; init; } = 3e-4;

    /// <summary>Adam rate of the encoder during pre-training (not upstream: DINOv2 comes pre-trained there).</summary>
    public double EncoderLearningRate { get; init; } = 3e-4;

    /// <summary>Decoupled weight decay of the AdamW groups (PyTorch's AdamW default, which upstream keeps).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>A loss is recorded and reported every this many steps (and at each phase's last step).</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>A resumable checkpoint is written every this many steps; 0 disables them.</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Renders every dataset frame once up front instead of per batch: faster, but needs trajectories × (steps+1) × 3·S² bytes.</summary>
    public bool CacheFrames { get; init; } = true;

    /// <summary>Problems that make the settings unusable, as lines a user can act on.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BatchSize < 1)
        {
            problems.Add($"batch size must be at least 1 (got {BatchSize})");
        }

        if (EncoderSteps < 0 || PredictorSteps < 0)
        {
            problems.Add("step counts must be non-negative");
        }

        if (LogEvery < 1)
        {
            problems.Add($"log interval must be at least 1 (got {LogEvery})");
        }

        if (CheckpointEvery < 0)
        {
            problems.Add($"checkpoint interval must be non-negative (got {CheckpointEvery})");
        }

        if (new[] { PredictorLearningRate, EmbeddingLearningRate, DecoderLearningRate, EncoderLearningRate }.Any(r => !(r > 0)))
        {
            problems.Add("learning rates must be positive");
        }

        return problems;
    }
}
