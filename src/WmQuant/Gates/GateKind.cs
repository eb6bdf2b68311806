using WmQuant.Recipes;

namespace WmQuant.Gates;

/// <summary>Which threshold a gate tests, named as the recipe key that sets it.</summary>
public enum GateKind
{
    /// <summary>Fail when the metric is below the threshold.</summary>
    Min,

    /// <summary>Fail when the metric is above the threshold.</summary>
    Max,

    /// <summary>Fail when the metric is significantly worse than the baseline by more than the threshold.</summary>
    MaxDropVsBaseline,
}

/// <summary>Recipe spellings of gate kinds and metrics, so verdicts speak the recipe's language.</summary>
public static class GateNames
{
    /// <summary>The recipe key of a kind: min, max, max_drop_vs_baseline.</summary>
    public static string Of(GateKind kind) => kind switch
    {
        GateKind.Min => "min",
        GateKind.Max => "max",
        GateKind.MaxDropVsBaseline => "max_drop_vs_baseline",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The recipe spelling of a metric: success_rate, state_distance, ...</summary>
    public static string Of(GateMetric metric) => Recipes.Schema.RecipeSchema.Metrics[(int)metric];

    /// <summary>True for metrics where a larger value is better (only the success rate); the others are errors or distances.</summary>
    public static bool HigherIsBetter(GateMetric metric) => metric == GateMetric.SuccessRate;
}
