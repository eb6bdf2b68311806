namespace WmQuant.Planning;

/// <summary>Which optimiser plans, and whether it re-plans after executing (MPC) or plans once.</summary>
public enum PlannerKind
{
    /// <summary>CEM inside a receding-horizon loop (the study's main setting).</summary>
    MpcCem,

    /// <summary>CEM planned once from the start, all actions executed.</summary>
    OpenLoopCem,

    /// <summary>Gradient descent on the actions inside a receding-horizon loop.</summary>
    MpcGradient,

    /// <summary>Gradient descent planned once from the start.</summary>
    OpenLoopGradient,
}
