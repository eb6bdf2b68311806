using System.Text.Json.Serialization;
using WmQuant.Naming;

namespace WmQuant.Gates;

/// <summary>Which threshold a gate tests, named as the recipe key that sets it.</summary>
public enum GateKind
{
    /// <summary>Fail when the metric is below the threshold.</summary>
    [JsonStringEnumMemberName("min")]
    Min,

    /// <summary>Fail when the metric is above the threshold.</summary>
    [JsonStringEnumMemberName("max")]
    Max,

    /// <summary>Fail when the metric is significantly worse than the baseline by more than the threshold.</summary>
    [JsonStringEnumMemberName("max_drop_vs_baseline")]
    MaxDropVsBaseline,
}

/// <summary>The metrics gates can test; the names are the recipe's (<c>gates[].metric</c>) and every output's.</summary>
public enum GateMetric
{
    /// <summary>Fraction of successful episodes.</summary>
    [JsonStringEnumMemberName("success_rate")]
    SuccessRate,

    /// <summary>Mean final distance to the goal state.</summary>
    [JsonStringEnumMemberName("state_distance")]
    StateDistance,

    /// <summary>Final planning objective.</summary>
    [JsonStringEnumMemberName("planning_loss")]
    PlanningLoss,

    /// <summary>Imagined-vs-real latent gap.</summary>
    [JsonStringEnumMemberName("latent_gap")]
    LatentGap,

    /// <summary>Open-loop latent drift versus the FP model.</summary>
    [JsonStringEnumMemberName("latent_drift")]
    LatentDrift,
}

/// <summary>Facts about metrics that decide how gates judge them.</summary>
public static class GateMetrics
{
    /// <summary>True for metrics where a larger value is better (only the success rate); the others are errors or distances.</summary>
    public static bool HigherIsBetter(GateMetric metric) => metric == GateMetric.SuccessRate;

    /// <summary>True for proportions, whose thresholds must lie in [0, 1].</summary>
    public static bool IsProportion(GateMetric metric) => metric == GateMetric.SuccessRate;

    /// <summary>The recipe spelling of a metric.</summary>
    public static string Name(GateMetric metric) => Names.Of(metric);
}
