using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Planning.Mpc;

namespace WmQuant.Planning.Adapters;

/// <summary>The planning view of a <see cref="ModelBundle"/>: adapters and MPC settings that use its training statistics.</summary>
public static class ModelBundlePlanning
{
    /// <summary>The planning view of the bundle's model, with proprio normalised as in training.</summary>
    public static DinoWorldModelPlanningAdapter CreateAdapter(this ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return bundle.CreateAdapter(bundle.Model);
    }

    /// <summary>The planning view of another network trained on the same data (e.g. the bundle's model quantized and reloaded).</summary>
    public static DinoWorldModelPlanningAdapter CreateAdapter(this ModelBundle bundle, DinoWorldModel network)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new(network, Floats(bundle.Normalization.ProprioMean), Floats(bundle.Normalization.ProprioStd));
    }

    /// <summary>MPC settings that denormalise planned actions with the training statistics.</summary>
    public static MpcSettings CreateMpcSettings(this ModelBundle bundle, int maxIterations)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new(Floats(bundle.Normalization.ActionMean), Floats(bundle.Normalization.ActionStd), maxIterations);
    }

    internal static float[] Floats(double[] values) => [.. values.Select(v => (float)v)];
}
