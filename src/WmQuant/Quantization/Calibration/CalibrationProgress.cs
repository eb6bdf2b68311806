namespace WmQuant.Quantization.Calibration;

/// <summary>Progress of a calibration run after each MPC iteration, for progress bars and logs.</summary>
/// <param name="Iteration">MPC iterations completed.</param>
/// <param name="MaxIterations">Iterations recorded per episode.</param>
/// <param name="ActiveEpisodes">Episodes still planning.</param>
/// <param name="TotalEpisodes">Calibration episodes.</param>
/// <param name="ModelCalls">Encoder and predictor calls observed so far.</param>
/// <param name="LayersObserved">Layers that have seen at least one input.</param>
public sealed record CalibrationProgress(int Iteration, int MaxIterations, int ActiveEpisodes, int TotalEpisodes, long ModelCalls, int LayersObserved);
