using System.Text.Json.Serialization;

namespace WmQuant.Gates;

/// <summary>A gate's verdict.</summary>
public enum GateOutcome
{
    /// <summary>The threshold holds.</summary>
    [JsonStringEnumMemberName("passed")]
    Passed,

    /// <summary>The threshold is broken (WMQ4001).</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,

    /// <summary>The gate could not be judged: no baseline, seeds that do not pair, a metric not measured (WMQ4002).</summary>
    [JsonStringEnumMemberName("error")]
    Error,
}
