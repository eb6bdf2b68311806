namespace WmQuant.Planning.Evaluation;

/// <summary>Progress after each MPC iteration, for progress bars and logs.</summary>
/// <param name="Iteration">MPC iterations completed.</param>
/// <param name="MaxIterations">Iteration cap.</param>
/// <param name="ActiveEpisodes">Episodes still planning.</param>
/// <param name="SucceededEpisodes">Episodes that reached their goal so far.</param>
/// <param name="TotalEpisodes">Episodes in the run.</param>
public sealed record EvaluationProgress(int Iteration, int MaxIterations, int ActiveEpisodes, int SucceededEpisodes, int TotalEpisodes);
