namespace WmQuant.Training;

/// <summary>The two stages of a reference-model run, in order.</summary>
public enum TrainingPhase
{
    /// <summary>Encoder and decoder trained together as an autoencoder on dataset frames.</summary>
    EncoderPretraining,

    /// <summary>Predictor, action and proprio encoders trained on teacher-forced next-latent prediction.</summary>
    Predictor,
}

/// <summary>One progress report: where the run is and how long the rest should take.</summary>
/// <param name="Phase">The phase running.</param>
/// <param name="Step">Steps done in this phase (1-based once a step finished).</param>
/// <param name="TotalSteps">Steps this phase will run.</param>
/// <param name="Loss">Loss of the step just done.</param>
/// <param name="Remaining">Estimated time left for the whole run, from the pace so far.</param>
public sealed record TrainingProgress(TrainingPhase Phase, int Step, int TotalSteps, double Loss, TimeSpan Remaining);

/// <summary>A recorded loss, kept in training.json so a run's curve can be inspected later.</summary>
/// <param name="Phase">The phase it belongs to.</param>
/// <param name="Step">Step within the phase (1-based).</param>
/// <param name="Loss">The step's loss.</param>
public sealed record LossRecord(TrainingPhase Phase, int Step, double Loss);
