namespace WmQuant.Planning.Evaluation;

/// <summary>Which disjoint family of episode seeds a run uses.</summary>
public enum EpisodeSeedSet
{
    /// <summary>Reported evaluation episodes: seed 99·n + 1.</summary>
    Evaluation,

    /// <summary>Quantization calibration episodes: seed 99·n + 2, never overlapping evaluation.</summary>
    Calibration,
}
