namespace WmQuant.Gates;

/// <summary>The statistics behind a verdict, so a reader (and the manifest) can tell how it was decided.</summary>
public enum GateTest
{
    /// <summary>Nothing was computed (the gate could not be judged).</summary>
    None,

    /// <summary>Point estimate of a success rate decides; a Wilson score interval is reported.</summary>
    WilsonInterval,

    /// <summary>Point estimate of a per-episode mean decides; a Student-t interval is reported.</summary>
    StudentTInterval,

    /// <summary>A run-level scalar compared as is; it has no per-episode values to bound.</summary>
    SingleValue,

    /// <summary>Exact one-sided McNemar test on the discordant seeds (regression with no allowed drop).</summary>
    ExactMcNemar,

    /// <summary>Exact unconditional test ordered by Tango's score (regression with an allowed drop δ &gt; 0).</summary>
    ExactUnconditionalScore,

    /// <summary>One-sided Student-t bound on the mean paired per-episode difference.</summary>
    PairedT,

    /// <summary>Difference of two run-level scalars, with no confidence bound.</summary>
    SingleValueDifference,
}
