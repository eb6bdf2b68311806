namespace WmQuant.Gates;

/// <summary>Stable diagnostic codes of gate verdicts (letters then digits, not MSB, so MSBuild and GitHub's matcher read them).</summary>
public static class GateCodes
{
    /// <summary>A gate failed: its threshold is broken.</summary>
    public const string Failed = "WMQ4001";

    /// <summary>A gate could not be judged (no baseline, unpaired seeds, metric not measured).</summary>
    public const string NotJudged = "WMQ4002";
}
