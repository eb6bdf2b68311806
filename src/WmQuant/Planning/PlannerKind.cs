using System.Text.Json.Serialization;

namespace WmQuant.Planning;

/// <summary>
/// Which optimiser plans, and whether it re-plans after executing (MPC) or plans once. The names are what recipes
/// (<c>planner.kind</c>), <c>wmq eval --planner</c> and evaluation records write.
/// </summary>
public enum PlannerKind
{
    /// <summary>CEM inside a receding-horizon loop (the study's main setting).</summary>
    [JsonStringEnumMemberName("mpc-cem")]
    MpcCem,

    /// <summary>CEM planned once from the start, all actions executed.</summary>
    [JsonStringEnumMemberName("open-loop-cem")]
    OpenLoopCem,

    /// <summary>Gradient descent on the actions inside a receding-horizon loop.</summary>
    [JsonStringEnumMemberName("mpc-gd")]
    MpcGradient,

    /// <summary>Gradient descent planned once from the start.</summary>
    [JsonStringEnumMemberName("open-loop-gd")]
    OpenLoopGradient,
}
