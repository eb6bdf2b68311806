using WmQuant.Models.Config;
using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Recipes;

/// <summary>How a recipe is loaded and how strictly it is checked.</summary>
public sealed record RecipeLoadOptions
{
    /// <summary>The folder paths may not leave; default: the nearest ancestor of the recipe with a .git entry, else the recipe's folder.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>Whether referenced files (checkpoint, model config, baseline manifests) must exist. Base recipes named by extends are always read.</summary>
    public bool CheckFiles { get; init; } = true;

    /// <summary>The quantization methods recipes may name (and whose options they may set).</summary>
    public QuantizationMethodRegistry Methods { get; init; } = QuantizationMethodRegistry.Builtin;

    /// <summary>
    /// The quantizable layers of the model a recipe names, so group sizes and layer globs are checked against the real
    /// widths and names; null skips those checks. Default: read off the model config (never the weights).
    /// </summary>
    public Func<ModelSpec, IReadOnlyList<LayerShape>?>? ModelLayers { get; init; } = ModelLayersFromConfig;

    /// <summary>Planner settings per environment and profile.</summary>
    public PlannerDefaults PlannerDefaults { get; init; } = PlannerDefaults.Standard;

    /// <summary>Most combinations a matrix may expand to, so a typo cannot launch a month of runs.</summary>
    public int MaxMatrixCombinations { get; init; } = 1024;

    /// <summary>The layers of the model config a recipe names (the config beside the checkpoint when it names none); null when it cannot be read.</summary>
    public static IReadOnlyList<LayerShape>? ModelLayersFromConfig(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Config is null && model.Checkpoint is null)
        {
            return null;
        }

        string config = model.Config ?? Models.Checkpoints.WorldModelCheckpoint.ConfigPathFor(model.Checkpoint!);
        if (!File.Exists(config))
        {
            return null;
        }

        var parsed = WorldModelConfigYaml.Load(config);
        return parsed.Ok && parsed.Config!.Validate().Count == 0 ? ModelLayerShapes.Of(parsed.Config) : null;
    }
}
