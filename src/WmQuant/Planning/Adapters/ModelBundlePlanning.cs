using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Planning.Mpc;

namespace WmQuant.Planning.Adapters;

/// <summary>
/// The planning view of a <see cref="ModelBundle"/> (or of the training statistics alone, as a quantized artifact carries
/// them): adapters and MPC settings that use those statistics.
/// </summary>
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
        return bundle.Normalization.CreateAdapter(network);
    }

    /// <summary>The planning view of a network trained with these statistics (a quantized artifact's own copy of them).</summary>
    public static DinoWorldModelPlanningAdapter CreateAdapter(this NormalizationRecord normalization, DinoWorldModel network)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        return new(network, Floats(normalization.ProprioMean), Floats(normalization.ProprioStd));
    }

    /// <summary>MPC settings that denormalise planned actions with the training statistics.</summary>
    public static MpcSettings CreateMpcSettings(this ModelBundle bundle, int maxIterations)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return bundle.Normalization.CreateMpcSettings(maxIterations);
    }

    /// <summary>MPC settings that denormalise planned actions with these statistics.</summary>
    public static MpcSettings CreateMpcSettings(this NormalizationRecord normalization, int maxIterations)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        return new(Floats(normalization.ActionMean), Floats(normalization.ActionStd), maxIterations);
    }

    internal static float[] Floats(double[] values) => [.. values.Select(v => (float)v)];
}
