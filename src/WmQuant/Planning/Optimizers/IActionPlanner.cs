namespace WmQuant.Planning.Optimizers;

/// <summary>An optimiser that turns encoded start and goal latents into action sequences.</summary>
public interface IActionPlanner
{
    /// <summary>Model actions in each returned plan.</summary>
    int Horizon { get; }

    /// <summary>Plans every episode of the request in one batched pass.</summary>
    PlanResult Plan(PlanRequest request);
}
