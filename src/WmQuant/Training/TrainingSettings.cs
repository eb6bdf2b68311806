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

    /// <summary>
    /// AdamW rate of the proprio encoder when it should differ from <see cref="EmbeddingLearningRate"/> (null: the
    /// same, as upstream). Slower, with <see cref="ProprioInitScale"/> below 1, it keeps the proprio embedding small.
    /// </summary>
    public double? ProprioLearningRate { get; init; }

    /// <summary>Adam rate of the decoder (upstream 3e-4).</summary>
    public double DecoderLearningRate { get; init; } = 3e-4;

    /// <summary>Adam rate of the encoder during pre-training (not upstream: DINOv2 comes pre-trained there).</summary>
    public double EncoderLearningRate { get; init; } = 3e-4;

    /// <summary>
    /// Weight of the reachability term in encoder pre-training (0: a plain autoencoder). The term asks latent
    /// distances to follow a distance measured from the pixels (<see cref="Objectives.ReachabilityLoss"/>,
    /// <see cref="ReachabilityMetric"/>).
    /// </summary>
    public double ReachabilityWeight { get; init; }

    /// <summary>
    /// What the reachability term measures between two frames: free-path distance between the agents (Wall) or
    /// how far the PushT block's silhouette and the pusher must move (<see cref="Objectives.PushTPoseDistance"/>).
    /// </summary>
    public ReachabilityMetric ReachabilityMetric { get; init; } = ReachabilityMetric.PixelGeodesic;

    /// <summary>Latent RMS distance per image pixel of shortest path that the reachability term asks for.</summary>
    public double ReachabilityScale { get; init; } = 0.02;

    /// <summary>With the reachability term, half of each encoder batch is paired with frames up to this many steps later in the same trajectory, so short distances are seen too.</summary>
    public int ReachabilityMaxGap { get; init; } = 10;

    /// <summary>
    /// Factor applied to the proprio encoder's initial weights (1: PyTorch's default init). Below 1 the planner's
    /// proprio term, a straight-line distance, starts small next to the visual term.
    /// </summary>
    public double ProprioInitScale { get; init; } = 1.0;

    /// <summary>
    /// Model steps of an extra open-loop rollout loss in phase 2 (0: upstream's teacher forcing alone). From a window's
    /// first frame the predictor rolls out as the planner does (its own predictions fed back, the true actions
    /// written in), and the MSE of each predicted frame to the encoded real one is added, averaged over the steps.
    /// Not upstream: it trains the multi-step predictions a planner scores, which teacher forcing never sees.
    /// </summary>
    public int RolloutSteps { get; init; }

    /// <summary>Weight of the rollout loss next to the teacher-forced loss (used when <see cref="RolloutSteps"/> is positive).</summary>
    public double RolloutWeight { get; init; } = 1.0;

    /// <summary>
    /// Factor on the frozen encoder's output (its final LayerNorm's weight and bias), applied once pre-training ends and
    /// before the predictor trains (1: unchanged). The planner's visual term grows by its square next to the proprio
    /// term (α = 1); the weights keep the upstream names and shapes.
    /// </summary>
    public double VisualLatentScale { get; init; } = 1.0;

    /// <summary>Whether the decoder keeps training during phase 2 on the frozen encoder's latents (upstream trains it on detached latents).</summary>
    public bool DecoderWithPredictor { get; init; } = true;

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

        if (ReachabilityWeight < 0 || (ReachabilityWeight > 0 && !(ReachabilityScale > 0)))
        {
            problems.Add("the reachability weight must be non-negative and, when used, its scale positive");
        }

        if (!(ProprioInitScale > 0))
        {
            problems.Add($"the proprio init scale must be positive (got {ProprioInitScale})");
        }

        if (ReachabilityMaxGap < 1)
        {
            problems.Add($"the reachability pair gap must be at least 1 step (got {ReachabilityMaxGap})");
        }

        if (!(VisualLatentScale > 0))
        {
            problems.Add($"the visual latent scale must be positive (got {VisualLatentScale})");
        }

        if (RolloutSteps < 0 || (RolloutSteps > 0 && !(RolloutWeight > 0)))
        {
            problems.Add($"rollout steps must be non-negative and, when used, the rollout weight positive (got {RolloutSteps} steps, weight {RolloutWeight})");
        }

        if (new[] { PredictorLearningRate, EmbeddingLearningRate, DecoderLearningRate, EncoderLearningRate, ProprioLearningRate ?? EmbeddingLearningRate }.Any(r => !(r > 0)))
        {
            problems.Add("learning rates must be positive");
        }

        return problems;
    }
}

/// <summary>The frame distance the encoder's reachability term asks latent distances to follow.</summary>
public enum ReachabilityMetric
{
    /// <summary>Shortest free path between the agents' dots (<see cref="Objectives.PixelGeodesics"/>): Wall.</summary>
    PixelGeodesic,

    /// <summary>Block silhouette displacement plus pusher travel (<see cref="Objectives.PushTPoseDistance"/>): PushT.</summary>
    PushTPose,
}

/// <summary>
/// The names users write for a <see cref="ReachabilityMetric"/> (<c>wmq train --reachability-metric</c>). training.json
/// keeps writing the member names (PixelGeodesic) it always wrote, so records stay comparable across versions.
/// </summary>
public static class ReachabilityMetricNames
{
    private static readonly (string Name, ReachabilityMetric Metric)[] Table =
    [
        ("geodesic", ReachabilityMetric.PixelGeodesic),
        ("pusht-pose", ReachabilityMetric.PushTPose),
    ];

    /// <summary>Every name, in the order help texts list them.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Table.Select(e => e.Name)];

    /// <summary>The metric a name means, or null.</summary>
    public static ReachabilityMetric? Parse(string? name) =>
        Table.Where(e => e.Name == name).Select(e => (ReachabilityMetric?)e.Metric).FirstOrDefault();
}
