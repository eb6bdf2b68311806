namespace WmQuant.Recipes;

/// <summary>The planner names users write, in recipes (<c>planner.kind</c>) and on the command line (<c>wmq eval --planner</c>).</summary>
public static class PlannerKindNames
{
    /// <summary>Every accepted name, in the order help texts list them.</summary>
    public static IReadOnlyList<string> All { get; } = ["mpc-cem", "open-loop-cem", "mpc-gd", "open-loop-gd"];

    /// <summary>The kind a name means, or null for a name that is not one of <see cref="All"/>.</summary>
    public static PlannerKind? Parse(string name) => name switch
    {
        "mpc-cem" => PlannerKind.MpcCem,
        "open-loop-cem" => PlannerKind.OpenLoopCem,
        "mpc-gd" => PlannerKind.MpcGd,
        "open-loop-gd" => PlannerKind.OpenLoopGd,
        _ => null,
    };
}
