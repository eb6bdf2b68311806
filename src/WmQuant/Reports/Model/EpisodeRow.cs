namespace WmQuant.Reports.Model;

/// <summary>One evaluation seed as the FP baseline and the quantized model played it, side by side.</summary>
/// <param name="Seed">Environment seed: the same start and goal in both runs.</param>
/// <param name="Baseline">The FP model's episode; null when the baseline did not play this seed.</param>
/// <param name="Quantized">The quantized model's episode; null when it did not play this seed.</param>
public sealed record EpisodeRow(int Seed, EpisodeResult? Baseline, EpisodeResult? Quantized)
{
    /// <summary>What quantization did to this seed.</summary>
    public EpisodeChange Change => (Baseline, Quantized) switch
    {
        (null, _) or (_, null) => EpisodeChange.Unpaired,
        ({ Success: true }, { Success: false }) => EpisodeChange.Lost,
        ({ Success: false }, { Success: true }) => EpisodeChange.Gained,
        ({ Success: true }, _) => EpisodeChange.BothSucceeded,
        _ => EpisodeChange.NeitherSucceeded,
    };
}

/// <summary>How one episode ended.</summary>
/// <param name="Success">Whether the goal was reached.</param>
/// <param name="FinalDistance">Final state distance to the goal.</param>
/// <param name="Iterations">MPC iterations used (the success iteration, or the cap).</param>
public sealed record EpisodeResult(bool Success, double FinalDistance, int Iterations);

/// <summary>A seed's outcome under quantization, judged against the FP baseline.</summary>
public enum EpisodeChange
{
    /// <summary>Both models reached the goal.</summary>
    BothSucceeded,

    /// <summary>The FP model reached the goal and the quantized one did not.</summary>
    Lost,

    /// <summary>The quantized model reached the goal and the FP one did not.</summary>
    Gained,

    /// <summary>Neither reached the goal.</summary>
    NeitherSucceeded,

    /// <summary>Only one of the runs played this seed: it cannot be compared.</summary>
    Unpaired,
}
