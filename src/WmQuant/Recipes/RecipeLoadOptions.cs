namespace WmQuant.Recipes;

/// <summary>How a recipe is loaded and how strictly it is checked.</summary>
public sealed record RecipeLoadOptions
{
    /// <summary>The folder paths may not leave; default: the nearest ancestor of the recipe with a .git entry, else the recipe's folder.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Whether referenced files (checkpoint, model config, baseline manifests) must exist. Base recipes named by extends are always read.</summary>
    public bool CheckFiles { get; init; } = true;

    /// <summary>Shapes of the model a recipe names, when known, to check group sizes against real input widths.</summary>
    public Func<ModelSpec, IModelShapeInfo?>? ShapeInfo { get; init; }

    /// <summary>Planner settings per environment and profile.</summary>
    public PlannerDefaults PlannerDefaults { get; init; } = PlannerDefaults.Standard;

    /// <summary>Most combinations a matrix may expand to, so a typo cannot launch a month of runs.</summary>
    public int MaxMatrixCombinations { get; init; } = 1024;
}
